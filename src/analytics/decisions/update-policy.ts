/**
 * When a running event publishes an `update`: when it changed notably since the last message (score,
 * best shot, position, a new zone) or a heartbeat is due, and never more often than `minIntervalMs`.
 * A change that arrives inside the interval stays "notable" against the last published state, so it
 * goes out with the first frame after the interval instead of being lost.
 */
import { z } from 'zod';
import type { Rect } from '../../native/index.ts';
import type { DetectionEvent } from '../events.ts';
import { iou } from '../tracker.ts';

export const updatePolicySchema = z.strictObject({
  minIntervalMs: z.number().int().min(0).default(1000).describe('Fewest ms between two messages of one event (the start counts).'),
  heartbeatMs: z
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe('An update at least this often (ms) while the event runs, changed or not; 0 = only on change.'),
  scoreDelta: z.number().positive().max(1).default(0.05).describe('Update when the top score rose by at least this much.'),
  qualityDelta: z
    .number()
    .positive()
    .default(0.5)
    .describe('Update when the best shot quality (score * 10 + sharpness, 0..20) rose by at least this much.'),
  moveIou: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe('Update when the IoU of the box with the last published box fell below this (the object moved).'),
});
export type UpdatePolicy = z.output<typeof updatePolicySchema>;

/** What the last published message of an event said, to compare the live event against. */
export interface PublishedState {
  timeMs: number;
  score: number;
  box: Rect;
  quality: number | null;
  jpeg: string | null;
  zones: number;
}

export function publishedState(event: DetectionEvent, timeMs: number): PublishedState {
  const shot = event.bestShot;
  return {
    timeMs,
    score: event.score,
    box: { ...event.box },
    quality: shot?.quality ?? null,
    jpeg: shot?.jpeg ?? null,
    zones: event.zones.length,
  };
}

function changedNotably(event: DetectionEvent, last: PublishedState, policy: UpdatePolicy): boolean {
  const shot = event.bestShot;
  return (
    event.score - last.score >= policy.scoreDelta ||
    (shot !== null && (last.quality === null || shot.quality - last.quality >= policy.qualityDelta)) ||
    (shot !== null && shot.jpeg !== null && shot.jpeg !== last.jpeg) ||
    event.zones.length > last.zones ||
    iou(event.box, last.box) < policy.moveIou
  );
}

export function updateDue(event: DetectionEvent, last: PublishedState, nowMs: number, policy: UpdatePolicy): boolean {
  const elapsed = nowMs - last.timeMs;
  if (elapsed < policy.minIntervalMs) return false;
  return (policy.heartbeatMs > 0 && elapsed >= policy.heartbeatMs) || changedNotably(event, last, policy);
}
