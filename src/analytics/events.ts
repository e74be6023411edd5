/**
 * The event record the decision layer produces, the publisher interface the outputs implement (MQTT,
 * WebSocket, REST), and an in-process bus that fans messages out to subscribers (tests, and the outputs
 * until they plug in as publishers of their own).
 */
import type { Face } from '../inference/types.ts';
import type { Rect } from '../native/index.ts';

/** The best picture of the object so far, as scored by the best-shot module (src/analytics/shot-quality.ts). */
export interface BestShotSummary {
  /** 10 x score + sharpness + size + face - occlusion (src/analytics/shot-quality.ts). */
  quality: number;
  /** Detector score of the frame the shot was taken from. */
  score: number;
  /** 0..10: log-scaled Tenengrad (Sobel) of the object's box. */
  sharpness: number;
  /** Mean luma 0..255 of the object's box. */
  brightness: number;
  /** The object's box in that frame (analysis-frame pixels). */
  box: Rect;
  /** What the JPEG shows: the box with a margin, same pixels as `box` (subtract its x, y to place boxes in the picture). */
  region: Rect;
  /** The box touches the frame's edge (only chosen when no view of the object did not). */
  truncated: boolean;
  /** Share of the box covered by other detections in that frame, 0..1. */
  occlusion: number;
  /** The face found on the object in that frame, with its landmarks; null when none was. */
  face: Face | null;
  /** Capture time of that frame (epoch ms). */
  timeMs: number;
  /** Reference to the encoded JPEG that the outputs serve (an id or path), null until it is encoded. */
  jpeg: string | null;
  /**
   * Reference to the full-frame JPEG at the best shot's moment (`inference.bestShot.frameWidth`), null
   * until the event ends or when none is kept; `box` places the object in it (times its width / the frame's).
   */
  frameJpeg: string | null;
}

export interface DetectionEvent {
  /** `${startMs}-${run tag}${sequence}`: unique within a gateway run and across restarts. */
  id: string;
  camera: string;
  label: string;
  /** Highest detector score seen over the event. */
  score: number;
  /** Latest box of the object (analysis-frame pixels). */
  box: Rect;
  /** The track that started the event (tracks merged into it by deduplication are not listed). */
  trackId: number;
  /** Capture time of the first qualifying frame (epoch ms). */
  startMs: number;
  /** Capture time of the last frame the object was seen in; null while the event runs. */
  endMs: number | null;
  bestShot: BestShotSummary | null;
  /** Zones the object's bottom-centre has been in, in the order it entered them. */
  zones: string[];
  /** The face in the best shot (the face the JPEG shows), null when it has none. */
  face: Face | null;
  /**
   * Only on an event a killed run left running: `restart`, it was ended at the next start, at the last
   * commit before the kill (src/storage/interrupted-events.ts); absent on every other event.
   */
  endReason?: EndReason;
}

/** Why an event ended other than by its track ending (see DetectionEvent.endReason). */
export type EndReason = 'restart';

export type EventMessageType = 'start' | 'update' | 'end';

export interface EventMessage {
  type: EventMessageType;
  /** A snapshot: later changes to the live event never show through an earlier message. */
  event: Readonly<DetectionEvent>;
}

/** What the outputs implement. A rejected promise is counted by the caller, never retried. */
export interface EventPublisher {
  publish(message: EventMessage): void | Promise<void>;
}

export type EventListener = (message: EventMessage) => void;

/**
 * Synchronous fan-out in subscription order. A listener that throws does not stop the others; the
 * error goes to `onListenerError` (the gateway logs it) so one broken output cannot silence the rest.
 */
export class EventBus implements EventPublisher {
  readonly #listeners = new Set<EventListener>();
  readonly #onListenerError: (error: unknown, message: EventMessage) => void;

  constructor(options: { onListenerError?: (error: unknown, message: EventMessage) => void } = {}) {
    this.#onListenerError = options.onListenerError ?? (() => {});
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(message: EventMessage): void {
    for (const listener of this.#listeners) {
      try {
        listener(message);
      } catch (error) {
        this.#onListenerError(error, message);
      }
    }
  }
}

/** A copy of the event that shares nothing mutable with it. */
export function snapshotEvent(event: DetectionEvent): Readonly<DetectionEvent> {
  const shot = event.bestShot;
  return Object.freeze({
    ...event,
    box: { ...event.box },
    bestShot: shot === null ? null : { ...shot, box: { ...shot.box }, region: { ...shot.region }, face: copyFace(shot.face) },
    zones: [...event.zones],
    face: copyFace(event.face),
  });
}

export function copyFace(face: Face | null): Face | null {
  return face === null ? null : { box: { ...face.box }, score: face.score, keypoints: face.keypoints.map((p) => ({ x: p.x, y: p.y })) };
}
