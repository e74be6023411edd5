/**
 * A progress bar for long bench runs: one line on stderr, redrawn in place, only when stderr is a
 * terminal (a CI log or a pipe gets no control characters). Scenarios report steps through it and
 * print their progress notes through it, so a note never lands in the middle of the bar.
 */

export interface Progress {
  /** Step `done` of `total` finished (total may shrink when a ramp ends early); `label` names the next. */
  step(done: number, total: number, label: string): void;
  /** A line of the scenario's log; printed above the bar. */
  note(line: string): void;
}

/** For scenarios run without a harness (tests): nothing drawn, notes dropped. */
export const silentProgress: Progress = { step: () => {}, note: () => {} };

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The bar's text: scenario, bar, step i/n, the step's label, elapsed and ETA (linear in steps). */
export function barLine(scenario: string, done: number, total: number, label: string, elapsedMs: number, columns = 100): string {
  const n = Math.max(total, done, 1);
  const cells = 20;
  const filled = Math.round((done / n) * cells);
  const eta = done > 0 ? formatDuration((elapsedMs / done) * (n - done)) : '?';
  const text = `${scenario} [${'#'.repeat(filled)}${'-'.repeat(cells - filled)}] ${done}/${n} ${formatDuration(elapsedMs)} elapsed, ETA ${eta}  ${label}`;
  return text.length > columns - 1 ? text.slice(0, columns - 1) : text;
}

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

/** The bar of one scenario; `quiet` drops the notes too (quick runs: their numbers mean nothing). */
export class ProgressBar implements Progress {
  private readonly started = performance.now();
  private last = '';

  constructor(
    private readonly scenario: string,
    private readonly stream: ProgressStream = process.stderr,
    private readonly quiet = false,
  ) {}

  private get drawing(): boolean {
    return this.stream.isTTY === true;
  }

  step(done: number, total: number, label: string): void {
    if (!this.drawing) return;
    // The last step clears the bar: the scenario prints its tables on stdout, the same terminal line.
    if (done >= total) {
      this.done();
      return;
    }
    this.last = barLine(this.scenario, done, total, label, performance.now() - this.started, this.stream.columns ?? 100);
    this.stream.write(`\r\x1b[K${this.last}`);
  }

  note(line: string): void {
    if (this.quiet) return;
    if (!this.drawing) {
      this.stream.write(`${line}\n`);
      return;
    }
    this.stream.write(`\r\x1b[K${line}\n${this.last}`);
  }

  /** Clears the bar before the scenario prints its tables on stdout. */
  done(): void {
    if (this.drawing && this.last !== '') this.stream.write('\r\x1b[K');
    this.last = '';
  }
}

/**
 * Counts a scenario's steps for the bar: `begin` before a step (the bar names it), `end` after, and
 * `drop` when a ramp ends early so the steps it will not run leave the total (and the ETA).
 */
export class Steps {
  private done = 0;

  constructor(
    private readonly progress: Progress,
    private total: number,
  ) {}

  begin(label: string): void {
    this.progress.step(this.done, this.total, label);
  }

  end(note?: string): void {
    this.done++;
    if (note !== undefined) this.progress.note(note);
    this.progress.step(this.done, this.total, '');
  }

  drop(steps: number): void {
    this.total = Math.max(this.done, this.total - steps);
  }
}
