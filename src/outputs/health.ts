/**
 * The site's health level from its cameras, inference and the machine: a pure function over plain
 * numbers (the site wiring gathers them, `systemSnapshot` reads the machine), so every rule is tested
 * alone. Published on MQTT (`<prefix>/gateway/health`) and served on `/api/v1/health`.
 *
 * critical: no enabled stream is online, or memory/disk beyond the critical limits.
 * degraded: some enabled streams are not online, inference degraded or at capacity, memory/disk/CPU
 *           beyond the warning limits.
 * Outputs add their own problems (the MQTT outbox degraded to memory on a failing disk) at their level.
 */
import { statfsSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import type { CameraState } from '../coordinator/camera-state.ts';
import type { HealthLevel, HealthProblem, HealthReport } from './site.ts';

export interface HealthCamera {
  id: string;
  state: CameraState;
  /** Expected to stream (config `enabled` and not stopped at runtime); others are listed, not counted. */
  enabled: boolean;
}

export type SystemSnapshot = HealthReport['system'];

export interface HealthInput {
  cameras: readonly HealthCamera[];
  /** Null when the site runs without inference. */
  inference: HealthReport['inference'] | null;
  system: SystemSnapshot;
  uptimeMs: number;
  /** Reported by the outputs. */
  problems?: readonly HealthProblem[];
}

export interface HealthThresholds {
  rssWarnBytes: number;
  rssCriticalBytes: number;
  /** Free space on the data directory (MQTT outbox, snapshots). */
  diskWarnFreeBytes: number;
  diskCriticalFreeBytes: number;
  /** 1-minute load average a core above which the CPU counts as saturated. */
  loadWarnPerCore: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Memory limits are shares of the machine's RAM: at 90% the kernel is close to reclaiming or killing,
 * at 75% there is still room to act. Disk: below 100 MiB the outbox can no longer be trusted to
 * persist events; 1 GiB leaves hours of events and snapshots. A load above 1.5 a core means frames
 * queue for CPU and latencies grow.
 */
export function defaultHealthThresholds(totalMemoryBytes = totalmem()): HealthThresholds {
  return {
    rssWarnBytes: 0.75 * totalMemoryBytes,
    rssCriticalBytes: 0.9 * totalMemoryBytes,
    diskWarnFreeBytes: GiB,
    diskCriticalFreeBytes: 100 * MiB,
    loadWarnPerCore: 1.5,
  };
}

const CAMERA_HEALTH: Record<CameraState, HealthLevel> = {
  ONLINE: 'healthy',
  CONNECTING: 'degraded',
  STALLED: 'degraded',
  OFFLINE: 'critical',
  CIRCUIT_OPEN: 'critical',
  DISABLED: 'healthy',
};
const RANK: Record<HealthLevel, number> = { healthy: 0, degraded: 1, critical: 2 };
/** Cameras named in the "not online" reason; the rest are counted, so one line stays readable at 100+ cameras. */
const NAMED_CAMERAS = 8;

const counts = (c: HealthCamera): boolean => c.enabled && c.state !== 'DISABLED';

export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1)} GiB`;
  return `${Math.round(bytes / MiB)} MiB`;
}

export function assessHealth(input: HealthInput, thresholds: HealthThresholds): HealthReport {
  let status: HealthLevel = 'healthy';
  const reasons: string[] = [];
  const flag = (level: Exclude<HealthLevel, 'healthy'>, reason: string): void => {
    if (RANK[level] > RANK[status]) status = level;
    reasons.push(reason);
  };

  const counted = input.cameras.filter(counts);
  const down = counted.filter((c) => c.state !== 'ONLINE');
  const online = counted.length - down.length;
  if (counted.length > 0 && online === 0) {
    flag('critical', `no enabled stream is online (0 of ${counted.length})`);
  } else if (down.length > 0) {
    const named = down
      .slice(0, NAMED_CAMERAS)
      .map((c) => `${c.id} ${c.state}`)
      .join(', ');
    const more = down.length > NAMED_CAMERAS ? ` and ${down.length - NAMED_CAMERAS} more` : '';
    flag('degraded', `${down.length} of ${counted.length} enabled streams not online: ${named}${more}`);
  }

  const inference = input.inference ?? { backend: 'none', degraded: false, atCapacity: false, reason: null };
  if (inference.degraded) {
    const why = inference.reason !== null && !inference.atCapacity ? ` (${inference.reason})` : '';
    flag('degraded', `inference backend ${inference.backend} is degraded: events are motion-only until it recovers${why}`);
  }
  if (inference.atCapacity) flag('degraded', inference.reason ?? 'inference at capacity: analysis rates are lowered');

  const { system } = input;
  if (system.rssBytes >= thresholds.rssCriticalBytes) {
    flag(
      'critical',
      `memory: resident set ${formatBytes(system.rssBytes)} is above the critical limit ${formatBytes(thresholds.rssCriticalBytes)}`,
    );
  } else if (system.rssBytes >= thresholds.rssWarnBytes) {
    flag(
      'degraded',
      `memory: resident set ${formatBytes(system.rssBytes)} is above the warning limit ${formatBytes(thresholds.rssWarnBytes)}`,
    );
  }
  if (system.diskFreeBytes !== null && system.diskFreeBytes <= thresholds.diskCriticalFreeBytes) {
    flag(
      'critical',
      `disk: ${formatBytes(system.diskFreeBytes)} free, below the critical minimum ${formatBytes(thresholds.diskCriticalFreeBytes)}`,
    );
  } else if (system.diskFreeBytes !== null && system.diskFreeBytes <= thresholds.diskWarnFreeBytes) {
    flag(
      'degraded',
      `disk: ${formatBytes(system.diskFreeBytes)} free, below the warning minimum ${formatBytes(thresholds.diskWarnFreeBytes)}`,
    );
  }
  if (system.loadAverage1m > thresholds.loadWarnPerCore * system.cores) {
    flag(
      'degraded',
      `CPU: load average ${system.loadAverage1m.toFixed(1)} on ${system.cores} cores is above ${thresholds.loadWarnPerCore} a core`,
    );
  }

  for (const problem of input.problems ?? []) flag(problem.level, problem.reason);

  return {
    status,
    reasons,
    streams: { online, total: input.cameras.length, enabled: counted.length },
    inference,
    system,
    cameras: input.cameras.map((c) => ({ id: c.id, state: c.state, health: counts(c) ? CAMERA_HEALTH[c.state] : 'healthy' })),
    uptimeMs: input.uptimeMs,
  };
}

/** The process and machine now; free disk of `dataDir` (null when it cannot be read). */
export function systemSnapshot(dataDir: string): SystemSnapshot {
  const memory = process.memoryUsage();
  let diskFreeBytes: number | null = null;
  try {
    const fs = statfsSync(dataDir);
    diskFreeBytes = fs.bavail * fs.bsize;
  } catch {
    // A missing or unreadable directory leaves the disk rule out rather than failing the health call.
  }
  return {
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    loadAverage1m: loadavg()[0] ?? 0,
    cores: availableParallelism(),
    diskFreeBytes,
  };
}
