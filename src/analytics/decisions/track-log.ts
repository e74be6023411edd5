/**
 * One camera's confirmed tracks as records: label, first and last capture time, best score, the zones
 * its bottom-centre entered (outside the camera's masks), and the event it started or joined, if any.
 * A record is handed on once, when its track ends (the events database keeps them, src/storage/
 * track-store.ts), so a track that never became an event is still known. The record of a running
 * track is updated in place: nothing is allocated per frame but a zone's name the first time.
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

export type TrackListener = (record: Readonly<TrackRecord>) => void;

/** What the log asks of the camera's filter: whether a box is masked, and the zones a box is in. */
export interface ZoneLookup {
  masked(box: Rect): boolean;
  addZonesAt(box: Rect, entered: string[]): void;
}

export class TrackLog {
  readonly #camera: string;
  readonly #onEnded: TrackListener;
  readonly #open = new Map<number, TrackRecord>();

  constructor(camera: string, onEnded: TrackListener) {
    this.#camera = camera;
    this.#onEnded = onEnded;
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
  }

  /** The track ended; `eventId`: the event it was part of. Hands the record on (once). */
  end(trackId: number, eventId: string | null): void {
    const record = this.#open.get(trackId);
    if (record === undefined) return;
    this.#open.delete(trackId);
    record.eventId = eventId;
    this.#onEnded(record);
  }
}
