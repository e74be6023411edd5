/**
 * The storage directory (`storage` in the config): the events database `panoptes.db` (with its `-wal`
 * file), which also holds the recordings index, and the best-shot JPEGs under `snapshots/`. Opening it
 * takes the database's lock, applies migrations, reconciles the pictures with the rows
 * (src/storage/reconcile.ts), ends the events a crash left running (interrupted-events.ts) and starts
 * retention. The recordings index is reconciled with its
 * directory when recording starts (recording/segment-reconcile.ts).
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { makeDirectory } from '../config/directories.ts';
import { StorageError } from '../errors.ts';
import { EventStore, type EventStoreOptions } from './event-store.ts';
import { endInterruptedEvents, type InterruptedEvent } from './interrupted-events.ts';
import { reconcile } from './reconcile.ts';
import { SegmentIndex } from './recording/segment-index.ts';
import { RetentionSchedule } from './retention.ts';
import { SnapshotFiles } from './snapshot-files.ts';
import { endInterruptedTracks, TrackStore } from './track-store.ts';

export const DATABASE_FILE = 'panoptes.db';

export interface StorageSettings {
  dir: string;
  retention: { eventsDays: number };
}

export interface StorageOptions {
  logger: Logger;
  /** Batching of event writes (tests shorten it). */
  writes?: Omit<EventStoreOptions, 'onError'>;
  retentionIntervalMs?: number;
}

export class Storage {
  readonly events: EventStore;
  readonly snapshots: SnapshotFiles;
  /** Ended tracks (their rows ride the event store's batch). */
  readonly tracks: TrackStore;
  /** The recordings index (its rows live in the events database). */
  readonly segments: SegmentIndex;
  /** Events an earlier run left running (killed), ended at its last commit when this one opened. */
  readonly interrupted: readonly InterruptedEvent[];
  readonly #retention: RetentionSchedule;

  private constructor(
    events: EventStore,
    segments: SegmentIndex,
    snapshots: SnapshotFiles,
    retention: RetentionSchedule,
    interrupted: readonly InterruptedEvent[],
    tracks: TrackStore,
  ) {
    this.events = events;
    this.segments = segments;
    this.snapshots = snapshots;
    this.#retention = retention;
    this.interrupted = interrupted;
    this.tracks = tracks;
  }

  static open(settings: StorageSettings, options: StorageOptions): Storage {
    const log = options.logger.child({ module: 'storage' });
    const file = path.join(settings.dir, DATABASE_FILE);
    try {
      makeDirectory(settings.dir);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new StorageError(file, `its directory cannot be created (${reason})`, 'set storage.dir to a directory the gateway can write', {
        cause: error,
      });
    }
    const events = new EventStore(file, {
      ...options.writes,
      onError: (err) => log.error({ err }, 'events could not be written to the database; they stay queued and are retried'),
    });
    const segments = new SegmentIndex(events.db, {
      ...(options.writes?.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.writes.flushIntervalMs }),
      onError: (err) => log.error({ err }, 'the recordings index could not be written; its rows stay queued and are retried'),
    });
    const snapshots = new SnapshotFiles(settings.dir);
    let interrupted: InterruptedEvent[];
    try {
      const started = performance.now();
      const result = reconcile(events, snapshots);
      interrupted = endInterruptedEvents(events.db);
      const interruptedTracksEnded = endInterruptedTracks(events.db);
      log.info(
        {
          file,
          migrated: events.migrated,
          events: events.count(),
          ...result,
          interruptedEventsEnded: interrupted.length,
          interruptedTracksEnded,
          ms: Math.round(performance.now() - started),
        },
        'events database open',
      );
    } catch (error) {
      events.close();
      throw error;
    }
    const tracks = new TrackStore(events);
    const retention = new RetentionSchedule(
      events,
      snapshots,
      {
        eventsDays: settings.retention.eventsDays,
        ...(options.retentionIntervalMs === undefined ? {} : { intervalMs: options.retentionIntervalMs }),
        onError: (err) => log.error({ err }, 'event retention failed; the next pass tries again'),
        onPass: (removed) => {
          if (removed > 0) log.info({ removed, eventsDays: settings.retention.eventsDays }, 'expired events removed');
        },
      },
      tracks,
    );
    retention.start();
    return new Storage(events, segments, snapshots, retention, interrupted, tracks);
  }

  /** Stops retention, commits queued writes and closes the database. */
  async close(): Promise<void> {
    await this.#retention.stop();
    this.segments.close();
    this.events.close();
  }
}
