/**
 * Periodic checks that many actors run at the same period (each camera's and each recording tap's
 * stall watchdog), run by one timer a period instead of a timer each. A wake-up of the coordinator
 * costs far more than the few comparisons a watchdog makes: 50 interval timers at 1 s used 0.8% of a
 * core on this machine, one timer running the same 50 checks 0.03%.
 *
 * A check added between two ticks first runs at the next tick, so it may run sooner than one period
 * after it was added; a stall clock that allows for a period of slack (as the watchdogs do, checking at
 * a quarter of their timeouts) does not notice.
 */

export type Check = () => void;

interface Group {
  timer: NodeJS.Timeout;
  checks: Set<Check>;
}

export class SharedTicker {
  readonly #groups = new Map<number, Group>();

  /**
   * Runs `check` every `periodMs` with every other check of that period; returns what stops it. A
   * check that throws does not keep the others from running: the first error is thrown once all ran,
   * as the timer of its own would have thrown it.
   */
  every(periodMs: number, check: Check): () => void {
    let group = this.#groups.get(periodMs);
    if (group === undefined) {
      const checks = new Set<Check>();
      group = { timer: setInterval(() => runAll(checks), periodMs), checks };
      this.#groups.set(periodMs, group);
    }
    // A function added twice would run once and stop with the first cancel: wrap it so each is its own.
    const entry: Check = () => check();
    group.checks.add(entry);
    return () => this.#cancel(periodMs, entry);
  }

  /** Timers running: one a period that has checks. */
  get timers(): number {
    return this.#groups.size;
  }

  #cancel(periodMs: number, entry: Check): void {
    const group = this.#groups.get(periodMs);
    if (group === undefined || !group.checks.delete(entry) || group.checks.size > 0) return;
    clearInterval(group.timer);
    this.#groups.delete(periodMs);
  }
}

function runAll(checks: ReadonlySet<Check>): void {
  let failure: { error: unknown } | null = null;
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== null) throw failure.error;
}

/** The coordinator's ticker for stall watchdogs. */
export const watchdogTicker = new SharedTicker();
