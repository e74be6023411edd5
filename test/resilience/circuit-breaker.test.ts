import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CircuitBreaker } from '../../src/resilience/circuit-breaker.ts';

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

test('the circuit opens after five consecutive failures and refuses attempts while open', () => {
  const clock = fakeClock();
  const breaker = new CircuitBreaker({}, clock.now);
  for (let i = 0; i < 4; i++) {
    assert.ok(breaker.tryAcquire());
    breaker.recordFailure();
  }
  assert.equal(breaker.state, 'closed');
  breaker.recordFailure();
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.tryAcquire(), false);
  assert.equal(breaker.remainingOpenMs, 60_000);
});

test('a success in between resets the consecutive failure count', () => {
  const breaker = new CircuitBreaker({}, fakeClock().now);
  for (let i = 0; i < 4; i++) breaker.recordFailure();
  breaker.recordSuccess();
  for (let i = 0; i < 4; i++) breaker.recordFailure();
  assert.equal(breaker.state, 'closed');
});

test('after 60 s the circuit half-opens, allows three trials, and closes after two successes', () => {
  const clock = fakeClock();
  const breaker = new CircuitBreaker({}, clock.now);
  for (let i = 0; i < 5; i++) breaker.recordFailure();
  clock.advance(59_999);
  assert.equal(breaker.state, 'open');
  clock.advance(1);
  assert.equal(breaker.state, 'half_open');
  assert.ok(breaker.tryAcquire());
  assert.ok(breaker.tryAcquire());
  assert.ok(breaker.tryAcquire());
  assert.equal(breaker.tryAcquire(), false, 'a fourth trial is refused');
  breaker.recordSuccess();
  assert.equal(breaker.state, 'half_open');
  breaker.recordSuccess();
  assert.equal(breaker.state, 'closed');
  assert.ok(breaker.tryAcquire());
});

test('a failure while half-open opens the circuit again for a full period', () => {
  const clock = fakeClock();
  const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 1000 }, clock.now);
  breaker.recordFailure();
  breaker.recordFailure();
  clock.advance(1000);
  assert.ok(breaker.tryAcquire());
  breaker.recordFailure();
  assert.equal(breaker.state, 'open');
  clock.advance(999);
  assert.equal(breaker.state, 'open');
  clock.advance(1);
  assert.equal(breaker.state, 'half_open');
});
