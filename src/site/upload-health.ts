/**
 * What the health report says about uploads: degraded while tries keep failing (the target is down,
 * refuses the credentials, or the network is gone), and for a while after an upload was given up.
 */
import type { HealthProblem } from '../outputs/site.ts';
import type { Uploader } from '../storage/upload/uploader.ts';

/** Failed tries in a row (no success between) that make uploads `failing`. */
const FAILING_AFTER = 3;
/** An upload given up this recently is reported. */
const GIVEN_UP_WINDOW_MS = 10 * 60_000;

export function uploadProblems(uploader: Uploader, nowMs: number): HealthProblem | null {
  const { stats } = uploader;
  const { pending, uploading, failed } = uploader.queue.counts();
  const queued = pending + uploading;
  if (stats.consecutiveFailures >= FAILING_AFTER)
    return {
      level: 'degraded',
      reason: `uploads to ${uploader.client.name} failing: ${stats.consecutiveFailures} tries in a row, ${queued} queued; last: ${stats.lastError ?? 'unknown'}`,
    };
  if (nowMs - stats.lastPermanentFailureMs < GIVEN_UP_WINDOW_MS)
    return {
      level: 'degraded',
      reason: `uploads to ${uploader.client.name}: ${failed} failed for good (GET /api/v1/events/{id} shows each); last: ${stats.lastError ?? 'unknown'}`,
    };
  return null;
}
