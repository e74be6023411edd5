/**
 * Plays a rendered scene through a running site as a looping file camera and records what the site
 * reported (tracked detections, events, ONLINE times) for scene-metrics.ts. One pass of the clip is
 * observed; the camera is removed before the loop starts again, which ends its tracks and events.
 * `observeCamera` does the same for any camera entry (the real footage served over RTSP).
 */
import type { DetectionEvent } from '../../src/analytics/events.ts';
import type { TrackedDetections } from '../../src/analytics/camera-analytics.ts';
import type { SceneSpec } from '../../src/scenes/scene.ts';
import type { Site } from '../../src/site/site.ts';
import type { Observation } from './scene-metrics.ts';
import { sleep, waitFor } from './wait.ts';

export interface SceneRunOptions {
  /** Camera keys merged over the camera entry (documented config keys only). */
  camera?: Record<string, unknown>;
  /** Restart the camera this many seconds into the first pass (a reconnect). */
  restartAtS?: number;
  labels: readonly string[];
  analysisWidth: number;
  target?: Observation['target'];
}

let channel = 100;

/** What a site reported for one camera while it was observed. */
export interface CameraObservation {
  onlineMs: number[];
  untilMs: number[];
  frames: TrackedDetections[];
  events: DetectionEvent[];
  trackedSkips: number;
  quietSkips: number;
  /** Tracks that qualified but published no event: a rate limit dropped their start, or a duplicate (dedupIou). */
  startsDropped: number;
  suppressed: number;
}

/**
 * Adds the camera (`entry` without its channel), watches it for `passMs` after it went ONLINE (after the
 * restart when `restartAtS` is given), then removes it, which ends its tracks and events.
 */
export async function observeCamera(
  site: Site,
  entry: { id: string } & Record<string, unknown>,
  passMs: number,
  restartAtS?: number,
): Promise<CameraObservation> {
  const id = entry.id;
  const frames: TrackedDetections[] = [];
  const events = new Map<string, DetectionEvent>();
  const onlineMs: number[] = [];
  const offFrames = site.onDetections((f) => {
    if (f.camera === id) frames.push(f);
  });
  const offEvents = site.onEvent((m) => {
    if (m.event.camera === id) events.set(m.event.id, m.event);
  });
  const offTransitions = site.onTransition((t) => {
    if (t.camera === id && t.to === 'ONLINE') onlineMs.push(t.atMs);
  });
  const untilMs: number[] = [];
  let trackedSkips = 0,
    quietSkips = 0,
    startsDropped = 0,
    suppressed = 0;
  try {
    await site.addCamera({ channel: channel++, ...entry });
    await waitFor(`${id} online`, () => onlineMs.length >= 1, 60_000);
    if (restartAtS !== undefined) {
      await sleep(Math.max(0, (onlineMs[0] as number) + restartAtS * 1000 - Date.now()));
      untilMs.push(Date.now());
      await site.restartCamera(id);
      await waitFor(`${id} online again`, () => onlineMs.length >= 2, 60_000);
    }
    await sleep(Math.max(0, (onlineMs.at(-1) as number) + passMs - Date.now()));
  } finally {
    untilMs.push(Date.now());
    trackedSkips = site.cameraMetrics(id)?.trackedSkips ?? 0;
    quietSkips = site.cameraMetrics(id)?.quietSkips ?? 0;
    const counters = site.hub.decisionCounters(id);
    startsDropped = Object.values(counters?.dropped ?? {}).reduce((n, d) => n + d.start, 0);
    suppressed = Object.values(counters?.suppressed ?? {}).reduce((n, c) => n + c, 0);
    await site.removeCamera(id);
    await waitFor(`${id}: every event ended`, () => [...events.values()].every((e) => e.endMs !== null), 10_000).catch(() => undefined);
    offFrames();
    offEvents();
    offTransitions();
  }
  return { onlineMs, untilMs, frames, events: [...events.values()], trackedSkips, quietSkips, startsDropped, suppressed };
}

export async function runScene(site: Site, spec: SceneSpec, clip: string, options: SceneRunOptions): Promise<Observation> {
  const entry = { id: `q-${spec.name}`, streams: { primary: clip }, loop: true, ...options.camera };
  const seen = await observeCamera(site, entry, spec.durationS * 1000 - 300, options.restartAtS);
  return {
    spec,
    scale: options.analysisWidth / spec.width,
    labels: options.labels,
    target: options.target ?? 'person',
    ...seen,
  };
}
