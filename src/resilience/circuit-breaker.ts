/**
 * Per-camera circuit breaker: after repeated failures stop hammering a dead camera, then probe it with a
 * few trial connections. closed -(N failures)-> open -(openMs)-> half_open -(M successes)-> closed;
 * any failure while half-open opens it again.
 */
export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long it stays open before trials are allowed. */
  openMs: number;
  /** Trial attempts allowed while half-open. */
  halfOpenMaxTrials: number;
  /** Successes while half-open that close it. */
  successThreshold: number;
}

export const DEFAULT_CIRCUIT: CircuitBreakerOptions = {
  failureThreshold: 5,
  openMs: 60_000,
  halfOpenMaxTrials: 3,
  successThreshold: 2,
};

export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private successes = 0;
  private trials = 0;
  private openedAt = 0;
  private readonly options: CircuitBreakerOptions;
  private readonly now: () => number;

  constructor(options: Partial<CircuitBreakerOptions> = {}, now: () => number = Date.now) {
    this.options = { ...DEFAULT_CIRCUIT, ...options };
    this.now = now;
  }

  /** The state now (an open circuit turns half-open once openMs has passed). */
  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.openMs) {
      this.current = 'half_open';
      this.trials = 0;
      this.successes = 0;
    }
    return this.current;
  }

  /** Milliseconds until an open circuit allows a trial (0 when not open). */
  get remainingOpenMs(): number {
    return this.state === 'open' ? Math.max(0, this.openedAt + this.options.openMs - this.now()) : 0;
  }

  /** Whether an attempt may start now; a half-open attempt uses up one trial. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    if (this.trials >= this.options.halfOpenMaxTrials) return false;
    this.trials++;
    return true;
  }

  recordSuccess(): void {
    this.failures = 0;
    if (this.state === 'half_open' && ++this.successes >= this.options.successThreshold) this.current = 'closed';
  }

  recordFailure(): void {
    const state = this.state;
    this.failures++;
    if (state === 'half_open' || (state === 'closed' && this.failures >= this.options.failureThreshold)) {
      this.current = 'open';
      this.openedAt = this.now();
    }
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
