/**
 * The event record the decision layer produces, the publisher interface the outputs implement (MQTT,
 * WebSocket, REST), and an in-process bus that fans messages out to subscribers (tests, and the outputs
 * until they plug in as publishers of their own).
 */
import type { Rect } from '../native/index.ts';

/** The best picture of the object so far, as scored by the best-shot module (src/analytics/best-shot.ts). */
export interface BestShotSummary {
  /** score * 10 + sharpness, 0..20. */
  quality: number;
  /** Detector score of the frame the shot was taken from. */
  score: number;
  /** 0..10: log-scaled Tenengrad of the shot's region. */
  sharpness: number;
  /** Mean luma 0..255 of the shot's region. */
  brightness: number;
  /** The object's box in that frame (analysis-frame pixels). */
  box: Rect;
  /** Capture time of that frame (epoch ms). */
  timeMs: number;
  /** Reference to the encoded JPEG that the outputs serve (an id or path), null until it is encoded. */
  jpeg: string | null;
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
}

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
  return Object.freeze({
    ...event,
    box: { ...event.box },
    bestShot: event.bestShot === null ? null : { ...event.bestShot, box: { ...event.bestShot.box } },
    zones: [...event.zones],
  });
}
