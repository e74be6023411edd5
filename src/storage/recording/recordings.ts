/**
 * The site's recordings: a Recorder per recording camera (a second output on its ingest ffmpeg), the
 * keep windows fed by events and motion, the decisions that file each finished segment under the
 * reason it is kept (or delete it), the disk manager on its timers, clips, and the clip state of
 * each event. The segments are indexed in the events database. Its state is plain numbers for
 * health and metrics.
 */
import type { Logger } from 'pino';
import type { EventMessage } from '../../analytics/events.ts';
import type { CameraRecording, RecordingsConfig } from '../../config/recording-schema.ts';
import { cameraRecordingSchema } from '../../config/recording-schema.ts';
import type { EventStore } from '../event-store.ts';
import { type ClipRecovery, recoverClips, type Rolls } from './clip-recovery.ts';
import { ClipMaker, type ClipFile } from './clips.ts';
import { guardDisk, readDisk, removeExpiredSegments, type DiskState } from './disk-guard.ts';
import { EventClips } from './event-clips.ts';
import { DECISION_LAG_MS, KeepWindows } from './keep-windows.ts';
import { Recorder } from './recorder.ts';
import type { Segment } from './segment-name.ts';
import type { SegmentIndex } from './segment-index.ts';
import { reconcileSegments, type SegmentReconciliation } from './segment-reconcile.ts';
import { SegmentStore } from './segment-store.ts';

/** How often pending segments are decided. */
const DECIDE_EVERY_MS = 1000;

export interface RecordingsOptions {
  config: RecordingsConfig;
  ffmpegPath: string;
  logger: Logger;
  /** The recordings index, in the events database (Storage.segments). */
  index: SegmentIndex;
  /** Where events' clip states are kept; none: not kept (tests of the disk manager alone). */
  events?: EventStore;
  /** Retention of cameras no longer configured (segments left on disk); default: the schema's. */
  defaultRetention?: CameraRecording['retentionDays'];
  /** How late an event's start may be published (tests shorten it); default DECISION_LAG_MS. */
  decisionLagMs?: number;
  /** A camera's pre- and post-roll now, for clip states recovered at start; default: the schema's. */
  rollsOf?: (camera: string) => Rolls;
}

interface CameraRecordings {
  recorder: Recorder | null;
  windows: KeepWindows;
  pending: Set<Segment>;
}

export class Recordings {
  readonly store: SegmentStore;
  readonly clips: ClipMaker;
  readonly config: RecordingsConfig;
  /** What the start-up reconciliation found. */
  reconciled: SegmentReconciliation | null = null;
  /** What the start-up recovery of clip states did (null without an event store). */
  clipsRecovered: ClipRecovery | null = null;
  readonly #eventClips: EventClips | null;
  disk: DiskState | null = null;
  /** Deletions the guard made, and when it last had to. */
  guardDeletions = 0;
  lastGuardMs = 0;
  diskErrors = 0;
  readonly #cameras = new Map<string, CameraRecordings>();
  readonly #log: Logger;
  readonly #defaultRetention: CameraRecording['retentionDays'];
  readonly #lagMs: number;
  readonly #timers: NodeJS.Timeout[] = [];
  #guarding = false;

  private constructor(options: RecordingsOptions) {
    this.config = options.config;
    this.#log = options.logger.child({ module: 'recording' });
    this.store = new SegmentStore(options.config.dir, options.index, (error, what) =>
      this.#log.warn({ err: error }, `recordings: ${what} failed`),
    );
    this.clips = new ClipMaker(this.store, options.ffmpegPath);
    this.#eventClips = options.events ? new EventClips(options.events, this.store) : null;
    this.#defaultRetention = options.defaultRetention ?? cameraRecordingSchema.parse({}).retentionDays;
    this.#lagMs = options.decisionLagMs ?? DECISION_LAG_MS;
  }

  /** Reconciles the index with what earlier runs left on disk and starts the disk manager's timers. */
  static async start(options: RecordingsOptions): Promise<Recordings> {
    const recordings = new Recordings(options);
    const started = performance.now();
    recordings.reconciled = await reconcileSegments(recordings.store);
    recordings.#log.info(
      { dir: options.config.dir, ...recordings.reconciled, ms: Math.round(performance.now() - started) },
      'recordings index reconciled',
    );
    // Segments an earlier run left undecided: the events that would have kept them are gone with
    // that run's memory, so they are kept as continuous recording (the shortest retention).
    // (LIMIT -1 is SQLite's "no limit".)
    for (const s of options.index.oldest('pending', -1)) void recordings.store.reclassify(s, 'continuous');
    if (options.events) {
      const began = performance.now();
      const defaults = cameraRecordingSchema.parse({});
      recordings.clipsRecovered = recoverClips(options.events, options.index, options.rollsOf ?? (() => defaults));
      recordings.#log.info({ ...recordings.clipsRecovered, ms: Math.round(performance.now() - began) }, 'event clip states recovered');
    }
    const { config } = recordings;
    recordings.#every(DECIDE_EVERY_MS, () => recordings.decide(Date.now()));
    recordings.#every(config.retentionIntervalSeconds * 1000, () => recordings.retain(Date.now()));
    recordings.#every(config.diskGuard.intervalSeconds * 1000, () => recordings.guard());
    await recordings.guard();
    return recordings;
  }

  /**
   * The camera's recorder (a tap for its ffmpeg), made or updated for `settings`; undefined when
   * the camera does not record. `url`: the recorded stream when analysis reads another one.
   */
  recorderFor(camera: string, settings: CameraRecording, url: string | null): Recorder | undefined {
    const entry = this.#entry(camera, settings);
    entry.windows.settings = settings;
    if (settings.mode === 'off') {
      entry.recorder = null;
      return undefined;
    }
    entry.recorder = new Recorder({
      camera,
      settings,
      url,
      store: this.store,
      log: this.#log.child({ camera }),
      onSegment: (segment) => {
        entry.pending.add(segment);
        this.#eventClips?.segmentFiled(entry.windows, segment);
      },
    });
    return entry.recorder;
  }

  /** The camera stopped recording (removed, or its ingest stopped): undecided segments are still decided. */
  release(camera: string): void {
    const entry = this.#cameras.get(camera);
    if (entry) entry.recorder = null;
  }

  recorders(): Recorder[] {
    return [...this.#cameras.values()].flatMap((e) => (e.recorder ? [e.recorder] : []));
  }

  onEvent(message: EventMessage): void {
    const windows = this.#cameras.get(message.event.camera)?.windows;
    if (!windows) return;
    const { id, camera, startMs, endMs } = message.event;
    if (message.type === 'start') windows.eventStarted(id, startMs);
    else if (message.type === 'end' && endMs !== null) windows.eventEnded(id, startMs, endMs);
    else return;
    this.#eventClips?.eventChanged(camera, windows, id);
  }

  /** A frame of `camera` with motion, captured at `atMs`. */
  motion(camera: string, atMs: number): void {
    this.#cameras.get(camera)?.windows.motion(atMs);
  }

  clip(camera: string, fromMs: number, toMs: number): Promise<ClipFile> {
    return this.clips.clip(camera, fromMs, toMs);
  }

  /** Files each pending segment that no future event can reach any more, or deletes it. */
  decide(nowMs: number): void {
    for (const { windows, pending } of this.#cameras.values()) {
      for (const segment of pending) {
        const cls = windows.decide(segment.startMs, segment.endMs, nowMs);
        if (cls === 'pending') continue;
        pending.delete(segment);
        if (cls === null) void this.store.delete(segment, 'not_kept');
        else void this.store.reclassify(segment, cls);
      }
      windows.prune(nowMs - windows.settings.preRollSeconds * 1000 - this.#lagMs - 60_000);
    }
  }

  /** Deletes segments older than their retention. */
  retain(nowMs: number): Promise<number> {
    return removeExpiredSegments(
      this.store,
      (camera) => this.#cameras.get(camera)?.windows.settings.retentionDays ?? this.#defaultRetention,
      nowMs,
    );
  }

  /** Reads free space and deletes the oldest recordings while it is below the limit. */
  async guard(): Promise<void> {
    if (this.#guarding) return;
    this.#guarding = true;
    try {
      this.disk = await readDisk(this.store.root, this.config.diskGuard);
      const deleted = await guardDisk(this.store, this.disk);
      if (deleted > 0) {
        this.guardDeletions += deleted;
        this.lastGuardMs = Date.now();
        this.#log.warn(
          { deleted, freeBytes: this.disk.freeBytes, limitBytes: this.disk.limitBytes },
          'disk guard deleted the oldest recordings',
        );
        this.disk = await readDisk(this.store.root, this.config.diskGuard);
      }
    } catch (error) {
      this.diskErrors++;
      this.#log.warn({ err: error }, 'recordings: the disk check failed');
    } finally {
      this.#guarding = false;
    }
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    await this.store.idle();
    this.store.index.flush();
  }

  #entry(camera: string, settings: CameraRecording): CameraRecordings {
    let entry = this.#cameras.get(camera);
    if (!entry)
      this.#cameras.set(camera, (entry = { recorder: null, windows: new KeepWindows(settings, this.#lagMs), pending: new Set() }));
    return entry;
  }

  #every(ms: number, work: () => unknown): void {
    const timer = setInterval(() => {
      Promise.resolve()
        .then(work)
        .catch((error: unknown) => this.#log.warn({ err: error }, 'recordings: scheduled work failed'));
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }
}
