/** The progress bar (bench/lib/progress.ts): drawn only on a terminal, notes above it, the ETA from the steps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barLine, formatDuration, ProgressBar, Steps } from '../../bench/lib/progress.ts';

function stream(isTTY: boolean): { isTTY: boolean; columns: number; text: string; write(t: string): boolean } {
  return {
    isTTY,
    columns: 120,
    text: '',
    write(t: string) {
      this.text += t;
      return true;
    },
  };
}

test('the bar names the scenario, the step i/n, its label, the elapsed time and the ETA', () => {
  assert.equal(barLine('density', 2, 8, 'W=2 N=600', 60_000), 'density [#####---------------] 2/8 1m00s elapsed, ETA 3m00s  W=2 N=600');
  assert.equal(barLine('density', 0, 8, 'W=2 N=200', 0), 'density [--------------------] 0/8 0s elapsed, ETA ?  W=2 N=200');
  assert.equal(barLine('pipeline', 1, 2, 'x'.repeat(200), 1000, 40).length, 39, 'cut to the terminal width');
  assert.equal(formatDuration(3_725_000), '1h02m');
});

test('off a terminal nothing is drawn and notes are plain lines', () => {
  const out = stream(false);
  const steps = new Steps(new ProgressBar('pipeline', out), 3);
  steps.begin('synthetic W=2 N=25');
  steps.end('synthetic W=2 N=25: sustained');
  assert.equal(out.text, 'synthetic W=2 N=25: sustained\n');
});

test('on a terminal notes print above the bar, and the last step clears it', () => {
  const out = stream(true);
  const steps = new Steps(new ProgressBar('density', out), 3);
  steps.begin('W=2 N=2');
  assert.match(out.text, /\r\x1b\[Kdensity \[-+\] 0\/3 /);
  steps.end('level 1 done');
  assert.match(out.text, /\r\x1b\[Klevel 1 done\n/);
  steps.drop(2);
  out.text = '';
  steps.begin('never shown');
  assert.equal(out.text, '\r\x1b[K', 'a ramp that ended early reaches its total: the bar is cleared, not redrawn');
});

test('a quiet bar (quick runs) drops the notes', () => {
  const out = stream(false);
  new ProgressBar('density', out, true).note('level done');
  assert.equal(out.text, '');
});
