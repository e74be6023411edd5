/** A decision engine on one camera ('gate', 640x360) whose messages land in an array. */
import type { Rect } from '../../src/native/index.ts';
import { DecisionEngine } from '../../src/analytics/decisions/engine.ts';
import { createEventIdSource } from '../../src/analytics/decisions/event-id.ts';
import {
  cameraDecisionsSchema,
  globalDecisionsSchema,
  type CameraDecisionOptionsInput,
  type GlobalDecisionOptionsInput,
} from '../../src/analytics/decisions/options.ts';
import type { BestShotInput, TrackedObject } from '../../src/analytics/decisions/tracks.ts';
import { EventBus, type BestShotSummary, type EventMessage } from '../../src/analytics/events.ts';

export const FRAME = { width: 640, height: 360 };

export interface Harness {
  engine: DecisionEngine;
  messages: EventMessage[];
  /** Feeds one frame of camera 'gate'; a track's `shot`, when given, is its best shot from then on. */
  frame(timeMs: number, tracks: { started?: TestTrack[]; updated?: TestTrack[]; ended?: TestTrack[] }): void;
  /** `type:label:trackId` of every message so far. */
  log(): string[];
}

/** Rate limits are off unless the test sets them, so each test sees only the rule it is about. */
export function harness(camera: CameraDecisionOptionsInput = {}, global: GlobalDecisionOptionsInput = { rateLimit: null }): Harness {
  const messages: EventMessage[] = [];
  const bus = new EventBus();
  bus.subscribe((message) => messages.push(message));
  const engine = new DecisionEngine({
    publisher: bus,
    global: globalDecisionsSchema.parse(global),
    newEventId: createEventIdSource('test'),
  });
  engine.addCamera('gate', cameraDecisionsSchema.parse({ rateLimit: null, ...camera }), FRAME);
  const shots = new Map<number, BestShotInput | null>();
  return {
    engine,
    messages,
    frame: (timeMs, { started = [], updated = [], ended = [] }) => {
      for (const track of [...started, ...updated, ...ended]) if (track.shot !== undefined) shots.set(track.id, track.shot);
      engine.onFrame('gate', timeMs, { started, updated, ended }, (id) => shots.get(id));
    },
    log: () => messages.map((m) => `${m.type}:${m.event.label}:${m.event.trackId}`),
  };
}

export interface TestTrack extends TrackedObject {
  shot?: BestShotInput | null;
}

export function object(id: number, label: string, box: Rect, score = 0.9, shot?: BestShotInput | null): TestTrack {
  return { id, label, score, box, shot };
}

/** The ended track `id` (the engine reads only the id of an ended track), with its final best shot. */
export function gone(id: number, shot?: BestShotInput | null): TestTrack {
  return { id, label: 'ended', score: 0, box: { x: 0, y: 0, width: 0, height: 0 }, shot };
}

export function shot(quality: number, timeMs: number, jpeg: string | null = null): BestShotSummary {
  return {
    quality,
    score: 0.9,
    sharpness: quality - 9,
    brightness: 120,
    box: { x: 10, y: 10, width: 50, height: 100 },
    region: { x: 10, y: 10, width: 50, height: 100 },
    truncated: false,
    occlusion: 0,
    face: null,
    timeMs,
    jpeg,
    frameJpeg: null,
  };
}

/** A 40x80 box whose bottom-centre is at (cx, bottom) in pixels. */
export function standingAt(cx: number, bottom: number): Rect {
  return { x: cx - 20, y: bottom - 80, width: 40, height: 80 };
}
