/** The site's health report: camera states, the inference hub and the machine, judged by assessHealth. */
import type { InferenceHub } from '../coordinator/inference-hub.ts';
import { assessHealth, defaultHealthThresholds, systemSnapshot } from '../outputs/health.ts';
import type { CameraStatus, HealthProblem, HealthReport } from '../outputs/site.ts';

const thresholds = defaultHealthThresholds();

export function siteHealth(
  cameras: readonly CameraStatus[],
  hub: InferenceHub,
  uptimeMs: number,
  problems: readonly HealthProblem[] = [],
  dataDir = '.',
): HealthReport {
  const { pool, governor } = hub;
  const faces = pool.backend.faces;
  const faceProblems: HealthProblem[] =
    faces?.error == null
      ? []
      : [
          {
            level: 'degraded',
            reason: `face cascade off (${faces.error}): persons get no face until inference.faces is fixed or disabled`,
          },
        ];
  return assessHealth(
    {
      cameras: cameras.map((c) => ({ id: c.id, state: c.state, enabled: c.enabled && c.streaming })),
      inference: {
        backend: pool.backend.type,
        degraded: pool.degraded,
        atCapacity: governor.atCapacity,
        reason: governor.reason ?? pool.stats().lastError,
      },
      system: systemSnapshot(dataDir),
      uptimeMs,
      problems: [...faceProblems, ...problems],
    },
    thresholds,
  );
}
