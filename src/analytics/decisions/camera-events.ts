/**
 * One camera's event lifecycle. Each track is pending (seen, no event yet), part of an event, or
 * dropped by a rate limit for the rest of its life.
 *
 * - A pending track starts an event with its first observation that passes the filters (label, mask,
 *   score, area, required zone). From then on the event follows the track until the track ends: masked
 *   observations are ignored, every other one updates the latest box, top score, best shot and zones.
 * - Deduplication: a qualifying track whose box overlaps (IoU > dedupIou) the box of a running event of
 *   the same label seen in this same frame joins that event instead of starting one; the event ends when
 *   the last of its tracks ends. Only starts are deduplicated: two events already published stay two.
 * - Cooldown: while a label's previous event on this camera ended less than cooldownMs ago, a qualifying
 *   track is suppressed, not merged (the end has been published and is final). It stays pending, so an
 *   object that is still there when the cooldown runs out starts its event then.
 * - Rate limits: a start needs a token from the camera bucket and the global one (taken from both or
 *   neither). A track whose start was dropped publishes nothing for the rest of its life, so no update
 *   or end ever arrives without its start; the start and the end are counted.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  copyFace,
  snapshotEvent,
  type BestShotSummary,
  type DetectionEvent,
  type EventMessage,
  type EventMessageType,
  type EventPublisher,
} from '../events.ts';
import { outranks } from '../shot-quality.ts';
import { iou } from '../tracker.ts';
import { emptyCounters, type DecisionCounters, type RateLimitReason } from './counters.ts';
import type { EventIdSource } from './event-id.ts';
import { ObjectFilter, type FrameSize } from './object-filter.ts';
import type { CameraDecisionOptions } from './options.ts';
import { TokenBucket } from './token-bucket.ts';
import { TrackLog, type TrackListener } from './track-log.ts';
import { publishedState, updateDue, type PublishedState } from './update-policy.ts';
import type { BestShotInput, BestShotLookup, TrackedObject, TrackFrame } from './tracks.ts';

export interface LiveEvent {
  record: DetectionEvent;
  tracks: Set<number>;
  lastSeenMs: number;
  published: PublishedState;
}

type TrackState =
  | { kind: 'pending'; zones: string[]; cooldownCounted: boolean }
  | { kind: 'event'; live: LiveEvent }
  | { kind: 'dropped'; reason: RateLimitReason };

/** What the camera shares with the rest of the gateway: the global limit, ids, and the way out. */
export interface CameraEventsContext {
  takeGlobalToken(nowMs: number): boolean;
  newEventId: EventIdSource;
  publisher: EventPublisher;
  onPublishError(error: unknown, message: EventMessage): void;
  /** Each confirmed track's record as it runs and when it ends (the tracks table). */
  onTrack?: TrackListener | undefined;
}

export class CameraEvents {
  readonly counters: DecisionCounters = emptyCounters();
  readonly #name: string;
  readonly #frame: FrameSize;
  #options: CameraDecisionOptions;
  #filter: ObjectFilter;
  #bucket: TokenBucket | null;
  readonly #context: CameraEventsContext;
  readonly #tracks = new Map<number, TrackState>();
  readonly #lastEndMs = new Map<string, number>();
  readonly #trackLog: TrackLog;

  constructor(name: string, options: CameraDecisionOptions, frame: FrameSize, context: CameraEventsContext) {
    this.#name = name;
    this.#frame = frame;
    this.#options = options;
    this.#filter = new ObjectFilter(options, frame);
    this.#bucket = options.rateLimit === null ? null : new TokenBucket(options.rateLimit);
    this.#context = context;
    this.#trackLog = new TrackLog(name, (record, phase) => context.onTrack?.(record, phase));
  }

  onFrame(timeMs: number, frame: TrackFrame, bestShotOf: BestShotLookup): void {
    const touched = new Set<LiveEvent>();
    const pending: TrackedObject[] = [];
    // Running events first, so deduplication compares new tracks with boxes from this same frame.
    for (const object of observedIn(frame)) {
      this.#trackLog.observe(object, timeMs, this.#filter);
      const state = this.#tracks.get(object.id);
      if (state === undefined || state.kind === 'pending') pending.push(object);
      else if (state.kind === 'event') {
        this.#observe(state.live, object, bestShotOf(object.id), timeMs);
        touched.add(state.live);
      }
    }
    for (const object of pending) {
      const live = this.#consider(object, bestShotOf(object.id), timeMs);
      if (live !== null) touched.add(live);
    }
    for (const live of touched) {
      if (live.published.timeMs !== timeMs && updateDue(live.record, live.published, timeMs, this.#options.updates)) {
        this.#publish('update', live, timeMs);
      }
    }
    for (const ended of frame.ended) this.#end(ended.id, bestShotOf(ended.id));
  }

  /**
   * New rules from the next frame on. Tracks keep their state: an event goes on, a pending track is
   * judged by the new filters, a dropped one stays dropped. The camera's bucket is kept unless its
   * limit changed, so a rule edit cannot refill it.
   */
  reconfigure(options: CameraDecisionOptions): void {
    if (!isDeepStrictEqual(options.rateLimit, this.#options.rateLimit)) {
      this.#bucket = options.rateLimit === null ? null : new TokenBucket(options.rateLimit);
    }
    this.#options = options;
    this.#filter = new ObjectFilter(options, this.#frame);
  }

  /** The track started an event or joined one (a duplicate of a running event). */
  isEvent(trackId: number): boolean {
    return this.#tracks.get(trackId)?.kind === 'event';
  }

  /** Ends every running event as if all tracks ended now (camera removed or stopped). */
  endAll(): void {
    for (const trackId of [...this.#tracks.keys()]) this.#end(trackId, null);
  }

  /**
   * Publishes a snapshot. A publisher that throws or rejects is counted and reported, never retried,
   * and never stops the lifecycle: the next message of the event still goes out.
   */
  #publish(type: EventMessageType, live: LiveEvent, timeMs: number): void {
    live.published = publishedState(live.record, timeMs);
    const message: EventMessage = { type, event: snapshotEvent(live.record) };
    this.counters.published[type]++;
    const failed = (error: unknown): void => {
      this.counters.publishErrors++;
      this.#context.onPublishError(error, message);
    };
    try {
      const result = this.#context.publisher.publish(message);
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  }

  #observe(live: LiveEvent, object: TrackedObject, shot: BestShotInput | null | undefined, timeMs: number): void {
    live.lastSeenMs = timeMs;
    if (this.#filter.masked(object.box)) return;
    const record = live.record;
    record.box = { ...object.box };
    if (object.score > record.score) record.score = object.score;
    if (shot != null) adoptBestShot(record, shot);
    this.#filter.addZonesAt(object.box, record.zones);
  }

  /** A track that is not an event yet: filters, dedup, cooldown, rate limits, start. */
  #consider(object: TrackedObject, shot: BestShotInput | null | undefined, timeMs: number): LiveEvent | null {
    let state = this.#tracks.get(object.id);
    if (state === undefined) {
      state = { kind: 'pending', zones: [], cooldownCounted: false };
      this.#tracks.set(object.id, state);
    }
    if (state.kind !== 'pending') return null;
    if (!this.#filter.masked(object.box)) this.#filter.addZonesAt(object.box, state.zones);
    const failed = this.#filter.check(object.label, object.score, object.box);
    if (failed !== null) {
      this.counters.filtered[failed]++;
      return null;
    }
    const duplicateOf = this.#runningDuplicate(object, timeMs);
    if (duplicateOf !== null) {
      this.counters.suppressed.duplicate++;
      for (const zone of state.zones) if (!duplicateOf.record.zones.includes(zone)) duplicateOf.record.zones.push(zone);
      duplicateOf.tracks.add(object.id);
      this.#tracks.set(object.id, { kind: 'event', live: duplicateOf });
      this.#trackLog.joined(object.id, duplicateOf.record.id);
      this.#observe(duplicateOf, object, shot, timeMs);
      return duplicateOf;
    }
    const lastEnd = this.#lastEndMs.get(object.label);
    if (lastEnd !== undefined && timeMs - lastEnd < this.#filter.rules(object.label).cooldownMs) {
      if (!state.cooldownCounted) this.counters.suppressed.cooldown++;
      state.cooldownCounted = true;
      return null;
    }
    const limited = this.#takeStartToken(timeMs);
    if (limited !== null) {
      this.counters.dropped[limited].start++;
      this.#tracks.set(object.id, { kind: 'dropped', reason: limited });
      return null;
    }
    const live = this.#start(object, shot, state.zones, timeMs);
    this.#tracks.set(object.id, { kind: 'event', live });
    this.#trackLog.joined(object.id, live.record.id);
    return live;
  }

  #runningDuplicate(object: TrackedObject, timeMs: number): LiveEvent | null {
    for (const state of this.#tracks.values()) {
      if (state.kind !== 'event') continue;
      const live = state.live;
      if (live.lastSeenMs === timeMs && live.record.label === object.label && iou(live.record.box, object.box) > this.#options.dedupIou) {
        return live;
      }
    }
    return null;
  }

  /** Null when both buckets had a token (and one was taken from each), else the limit that refused. */
  #takeStartToken(timeMs: number): RateLimitReason | null {
    if (this.#bucket !== null && !this.#bucket.available(timeMs)) return 'camera_limit';
    if (!this.#context.takeGlobalToken(timeMs)) return 'global_limit';
    this.#bucket?.tryTake(timeMs);
    return null;
  }

  #start(object: TrackedObject, shot: BestShotInput | null | undefined, zones: string[], timeMs: number): LiveEvent {
    const record: DetectionEvent = {
      id: this.#context.newEventId(timeMs),
      camera: this.#name,
      label: object.label,
      score: object.score,
      box: { ...object.box },
      trackId: object.id,
      startMs: timeMs,
      endMs: null,
      bestShot: shot == null ? null : summary(shot),
      zones: [...zones],
      face: shot?.face == null ? null : copyFace(shot.face),
    };
    const live: LiveEvent = { record, tracks: new Set([object.id]), lastSeenMs: timeMs, published: publishedState(record, timeMs) };
    this.#publish('start', live, timeMs);
    return live;
  }

  #end(trackId: number, shot: BestShotInput | null | undefined): void {
    const state = this.#tracks.get(trackId);
    this.#tracks.delete(trackId);
    this.#trackLog.end(trackId, state?.kind === 'event' ? state.live.record.id : null);
    if (state === undefined || state.kind === 'pending') return;
    if (state.kind === 'dropped') {
      this.counters.dropped[state.reason].end++;
      return;
    }
    const live = state.live;
    if (shot != null) adoptBestShot(live.record, shot);
    live.tracks.delete(trackId);
    if (live.tracks.size > 0) return;
    live.record.endMs = live.lastSeenMs;
    const previous = this.#lastEndMs.get(live.record.label);
    if (previous === undefined || live.lastSeenMs > previous) this.#lastEndMs.set(live.record.label, live.lastSeenMs);
    this.#publish('end', live, live.lastSeenMs);
  }
}

/** The tracks observed in a frame, each once: `started` tracks may be listed in `updated` too. */
function observedIn(frame: TrackFrame): Iterable<TrackedObject> {
  if (frame.started.length === 0) return frame.updated;
  const byId = new Map<number, TrackedObject>();
  for (const object of frame.started) byId.set(object.id, object);
  for (const object of frame.updated) byId.set(object.id, object);
  return byId.values();
}

/** Only the named fields: the best-shot module's own record also holds the crop's pixels. */
function summary(shot: BestShotInput): BestShotSummary {
  const { quality, score, sharpness, brightness, box, timeMs } = shot;
  return {
    quality,
    score,
    sharpness,
    brightness,
    box: { ...box },
    region: { ...(shot.region ?? box) },
    truncated: shot.truncated ?? false,
    occlusion: shot.occlusion ?? 0,
    face: copyFace(shot.face ?? null),
    timeMs,
    jpeg: shot.jpeg ?? null,
    frameJpeg: shot.frameJpeg ?? null,
  };
}

/**
 * Keeps the better shot (the best-shot module's ranking: a face found first, then an uncut view, then
 * quality). An equal one replaces too: the track's final report of the same shot is the one that
 * carries the JPEG reference once it has been encoded.
 */
function adoptBestShot(record: DetectionEvent, shot: BestShotInput): void {
  const current = record.bestShot;
  const jpeg = shot.jpeg ?? null;
  const frameJpeg = shot.frameJpeg ?? null;
  const candidate = { quality: shot.quality, truncated: shot.truncated ?? false, face: shot.face ?? null };
  const sameShot = shot.timeMs === current?.timeMs && jpeg === current.jpeg && frameJpeg === current.frameJpeg;
  const held = current === null ? null : { ...current, face: record.face };
  if (held !== null && (outranks(held, candidate) || (!outranks(candidate, held) && sameShot))) {
    return;
  }
  record.bestShot = summary(shot);
  record.face = copyFace(shot.face ?? null);
}
