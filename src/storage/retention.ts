/**
 * Event retention: events that started more than `eventsDays` ago are deleted with their JPEGs, at
 * start and then every `intervalMs`. A pass deletes in batches and yields to the event loop between
 * them, so a large backlog (the first pass after retention was shortened) never holds the coordinator
 * thread for more than one batch.
 */
import type { EventStore } from './event-store.ts';
import type { SnapshotFiles } from './snapshot-files.ts';
import type { TrackStore } from './track-store.ts';

const DAY_MS = 86_400_000;
const BATCH = 2000;

export interface RetentionOptions {
  eventsDays: number;
  /** Between passes; hourly by default. */
  intervalMs?: number;
  /** A pass failed (logged by the caller; the next pass tries again). */
  onError?: (error: unknown) => void;
  onPass?: (removed: number) => void;
}

/**
 * One pass: deletes what started before `cutoffMs`; resolves with the number of events removed.
 * `stopped` is asked between batches (a stopping gateway does not wait for a whole backlog).
 */
export async function removeExpired(
  store: EventStore,
  files: SnapshotFiles,
  cutoffMs: number,
  stopped = () => false,
  tracks: TrackStore | null = null,
): Promise<number> {
  let total = 0;
  // Tracks first seen before the cutoff go with the events (same days), in batches too.
  while (tracks !== null && !stopped() && tracks.removeOlderThan(cutoffMs, BATCH) === BATCH) await new Promise((r) => setImmediate(r));
  while (!stopped()) {
    const removed = store.removeOlderThan(cutoffMs, BATCH);
    total += removed.count;
    await Promise.all(removed.snapshots.map((reference) => files.remove(reference)));
    if (removed.count < BATCH) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  files.pruneEmptyDays(cutoffMs);
  return total;
}

export class RetentionSchedule {
  readonly #store: EventStore;
  readonly #files: SnapshotFiles;
  readonly #options: RetentionOptions;
  readonly #tracks: TrackStore | null;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(store: EventStore, files: SnapshotFiles, options: RetentionOptions, tracks: TrackStore | null = null) {
    this.#tracks = tracks;
    this.#store = store;
    this.#files = files;
    this.#options = options;
  }

  start(): void {
    this.#run();
    this.#timer = setInterval(() => this.#run(), this.#options.intervalMs ?? 3_600_000);
    this.#timer.unref();
  }

  /** Stops the schedule and waits for a pass in progress (the store must stay open until then). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
  }

  #run(): void {
    if (this.#running !== undefined || this.#stopped) return;
    const cutoff = Date.now() - this.#options.eventsDays * DAY_MS;
    this.#running = removeExpired(this.#store, this.#files, cutoff, () => this.#stopped, this.#tracks)
      .then((removed) => this.#options.onPass?.(removed))
      .catch((error: unknown) => this.#options.onError?.(error))
      .finally(() => {
        this.#running = undefined;
      });
  }
}
