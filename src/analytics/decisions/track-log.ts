/**
 * One camera's confirmed tracks as records: label, first and last capture time, best score, the zones
 * its bottom-centre entered (outside the camera's masks), and the event it started or joined, if any.
 * The record is handed on as the track runs (`running`, on every observation and when it joins an
 * event) and once when it ends (`ended`), so the events database keeps a running track too and a
 * kill loses no track that ran (src/storage/track-store.ts batches the running calls into at most one
 * row write a commit). The record of a running track is updated in place and handed on by reference:
 * nothing is allocated per frame but a zone's name the first time.
 */
import type { Rect } from '../../native/index.ts';
import type { TrackedObject } from './tracks.ts';

export interface TrackRecord {
  camera: string;
  /** The tracker's id: unique on the camera within a gateway run (ids start again after a restart). */
  trackId: number;
  label: string;
  /** Capture times of the first and last frame the track was observed in (epoch ms). */
  firstMs: number;
  lastMs: number;
  bestScore: number;
  /** The event the track started or was merged into; null when it never became one. */
  eventId: string | null;
  zones: string[];
}

/** `running`: the live record (read it, never keep a copy of it as final); `ended`: its last state. */
export type TrackPhase = 'running' | 'ended';
export type TrackListener = (record: Readonly<TrackRecord>, phase: TrackPhase) => void;

/** What the log asks of the camera's filter: whether a box is masked, and the zones a box is in. */
export interface ZoneLookup {
  masked(box: Rect): boolean;
  addZonesAt(box: Rect, entered: string[]): void;
}

export class TrackLog {
  readonly #camera: string;
  readonly #listener: TrackListener;
  readonly #open = new Map<number, TrackRecord>();

  constructor(camera: string, listener: TrackListener) {
    this.#camera = camera;
    this.#listener = listener;
  }

  observe(object: TrackedObject, timeMs: number, zones: ZoneLookup): void {
    let record = this.#open.get(object.id);
    if (record === undefined) {
      record = {
        camera: this.#camera,
        trackId: object.id,
        label: object.label,
        firstMs: timeMs,
        lastMs: timeMs,
        bestScore: object.score,
        eventId: null,
        zones: [],
      };
      this.#open.set(object.id, record);
    }
    record.lastMs = Math.max(record.lastMs, timeMs);
    if (object.score > record.bestScore) record.bestScore = object.score;
    if (!zones.masked(object.box)) zones.addZonesAt(object.box, record.zones);
    this.#listener(record, 'running');
  }

  /** The track started an event or joined one while it runs. */
  joined(trackId: number, eventId: string): void {
    const record = this.#open.get(trackId);
    if (record === undefined || record.eventId === eventId) return;
    record.eventId = eventId;
    this.#listener(record, 'running');
  }

  /** The track ended; `eventId`: the event it was part of. Hands the record on (once). */
  end(trackId: number, eventId: string | null): void {
    const record = this.#open.get(trackId);
    if (record === undefined) return;
    this.#open.delete(trackId);
    record.eventId = eventId;
    this.#listener(record, 'ended');
  }
}
