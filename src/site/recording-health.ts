/**
 * What the health report says about recording: each camera's recorder state, the recordings disk
 * against the guard's limits, and the problems that degrade the site (a recorder that fails or writes
 * nothing while its camera streams, a disk close to the limit or below it).
 */
import type { CameraState } from '../coordinator/camera-state.ts';
import { formatBytes } from '../outputs/health.ts';
import type { HealthProblem, RecorderHealth, RecordingHealth } from '../outputs/site.ts';
import type { Recorder } from '../storage/recording/recorder.ts';
import type { Recordings } from '../storage/recording/recordings.ts';

/** A failure this recent makes the recorder `failing`. */
const FAILURE_WINDOW_MS = 60_000;
/** Slack on top of two segment lengths before a silent recorder counts as failing (a segment ends on a key frame). */
const SILENCE_SLACK_MS = 20_000;

export function recorderState(recorder: Recorder, cameraState: CameraState | undefined, nowMs: number): RecorderHealth['state'] {
  // Before `active`: a recorder of its own stream is between runs while that stream is down.
  if (nowMs - recorder.lastFailureMs < FAILURE_WINDOW_MS) return 'failing';
  if (!recorder.active) return 'idle';
  const since = Math.max(recorder.lastSegmentEndMs, recorder.activeSinceMs);
  const due = 2 * recorder.settings.segmentSeconds * 1000 + SILENCE_SLACK_MS;
  return cameraState === 'ONLINE' && nowMs - since > due ? 'failing' : 'recording';
}

export function recordingHealth(recordings: Recordings, states: ReadonlyMap<string, CameraState>, nowMs: number): RecordingHealth {
  const { disk } = recordings;
  return {
    disk: disk && { freeBytes: disk.freeBytes, totalBytes: disk.totalBytes, limitBytes: disk.limitBytes, warnBytes: disk.warnBytes },
    guardDeletions: recordings.guardDeletions,
    cameras: recordings.recorders().map((r) => ({
      id: r.camera,
      mode: r.settings.mode,
      state: recorderState(r, states.get(r.camera), nowMs),
      segments: r.segments,
      failures: Object.values(r.failures).reduce((a, b) => a + b, 0),
      lastFailure: r.lastFailure,
      lastSegmentEndMs: r.lastSegmentEndMs === 0 ? null : r.lastSegmentEndMs,
    })),
  };
}

export function recordingProblems(health: RecordingHealth, nowMs: number, lastGuardMs: number): HealthProblem[] {
  const problems: HealthProblem[] = [];
  const failing = health.cameras.filter((c) => c.state === 'failing');
  if (failing.length > 0) {
    const named = failing
      .slice(0, 8)
      .map((c) => `${c.id}${c.lastFailure ? ` (${c.lastFailure})` : ' (no segment written)'}`)
      .join(', ');
    problems.push({ level: 'degraded', reason: `recording failing on ${failing.length} camera(s): ${named}` });
  }
  const { disk } = health;
  if (disk && disk.freeBytes < disk.limitBytes) {
    problems.push({
      level: 'degraded',
      reason: `recordings disk: ${formatBytes(disk.freeBytes)} free is below the disk guard's limit ${formatBytes(disk.limitBytes)}; the oldest recordings are being deleted`,
    });
  } else if (disk && disk.freeBytes < disk.warnBytes) {
    problems.push({
      level: 'degraded',
      reason: `recordings disk: ${formatBytes(disk.freeBytes)} free, close to the disk guard's limit ${formatBytes(disk.limitBytes)}; below it the oldest recordings are deleted (free space, or lower retention)`,
    });
  }
  if (nowMs - lastGuardMs < FAILURE_WINDOW_MS) {
    problems.push({ level: 'degraded', reason: 'recordings disk: the disk guard deleted recordings in the last minute' });
  }
  return problems;
}
