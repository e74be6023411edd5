/**
 * The decision layer of the gateway: turns each camera's tracked objects into start, update and end
 * messages for one publisher. Holds the cameras, the global rate limit and the event id source; each
 * camera's lifecycle is a CameraEvents (see there for the rules).
 */
import type { EventMessage, EventPublisher } from '../events.ts';
import { CameraEvents, type CameraEventsContext } from './camera-events.ts';
import { addCounters, emptyCounters, type DecisionCounters } from './counters.ts';
import { createEventIdSource, type EventIdSource } from './event-id.ts';
import type { FrameSize } from './object-filter.ts';
import type { CameraDecisionOptions, GlobalDecisionOptions } from './options.ts';
import { TokenBucket } from './token-bucket.ts';
import type { TrackListener } from './track-log.ts';
import type { BestShotLookup, TrackFrame } from './tracks.ts';

export interface DecisionEngineOptions {
  publisher: EventPublisher;
  global: GlobalDecisionOptions;
  /** Tests pass a fixed source; the default draws a random run tag. */
  newEventId?: EventIdSource;
  /** Told about every publisher failure (already counted); the gateway logs it. */
  onPublishError?: (error: unknown, message: EventMessage) => void;
  /** Each confirmed track's record when it ends. */
  onTrack?: TrackListener;
}

export class DecisionEngine {
  readonly #cameras = new Map<string, CameraEvents>();
  readonly #globalBucket: TokenBucket | null;
  readonly #context: CameraEventsContext;

  constructor(options: DecisionEngineOptions) {
    this.#globalBucket = options.global.rateLimit === null ? null : new TokenBucket(options.global.rateLimit);
    const bucket = this.#globalBucket;
    this.#context = {
      takeGlobalToken: (nowMs: number) => bucket === null || bucket.tryTake(nowMs),
      newEventId: options.newEventId ?? createEventIdSource(),
      publisher: options.publisher,
      onPublishError: options.onPublishError ?? (() => {}),
      onTrack: options.onTrack,
    };
  }

  /** `frame` is the analysis frame size the tracker's boxes are in. */
  addCamera(name: string, options: CameraDecisionOptions, frame: FrameSize): void {
    if (this.#cameras.has(name))
      throw new RangeError(`Camera "${name}" already has decisions: removeCamera it first to change its options`);
    this.#cameras.set(name, new CameraEvents(name, options, frame, this.#context));
  }

  /**
   * New options for a camera: its running events go on under the new rules (a pending track is
   * judged by them from its next observation on).
   */
  updateCamera(name: string, options: CameraDecisionOptions): void {
    this.#camera(name).reconfigure(options);
  }

  /**
   * Ends the camera's running events (end time = when each object was last seen) and forgets it;
   * returns its final counters (the ends just published included).
   */
  removeCamera(name: string): DecisionCounters {
    const events = this.#camera(name);
    events.endAll();
    this.#cameras.delete(name);
    return events.counters;
  }

  /**
   * One analysed frame of a camera: `timeMs` its capture time (epoch ms), `tracks` the tracker's update
   * for it, `bestShotOf` each track's best shot so far (omitted: events carry no best shot).
   */
  onFrame(camera: string, timeMs: number, tracks: TrackFrame, bestShotOf: BestShotLookup = noBestShot): void {
    this.#camera(camera).onFrame(timeMs, tracks, bestShotOf);
  }

  /** Whether the track is (part of) one of the camera's events: its pictures will be kept. */
  isEvent(camera: string, trackId: number): boolean {
    return this.#cameras.get(camera)?.isEvent(trackId) ?? false;
  }

  /** One camera's counters, or the sum over the cameras there are now. */
  counters(camera?: string): DecisionCounters {
    if (camera !== undefined) return addCounters(emptyCounters(), this.#camera(camera).counters);
    const total = emptyCounters();
    for (const events of this.#cameras.values()) addCounters(total, events.counters);
    return total;
  }

  #camera(name: string): CameraEvents {
    const events = this.#cameras.get(name);
    if (events === undefined) throw new RangeError(`Unknown camera "${name}": addCamera it first`);
    return events;
  }
}

const noBestShot: BestShotLookup = () => null;
