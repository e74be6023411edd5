/**
 * `panoptes demo`: the embedded default. config/demo.yaml (cameras looping clips of people cut from real
 * photos, rendered on first start, the shipped detector, the embedded MQTT broker, API and WebSocket on
 * localhost) run as a full site; the flags scale it (more cameras cycle through the same scenes) and
 * resize it. Camera metrics are logged every 10 s.
 */
import { loadConfig } from '../config/load.ts';
import type { SiteConfig } from '../config/schema.ts';
import { log } from '../log.ts';
import { prepareDemoClips } from './demo-scenes.ts';
import { runUntilSignal, startSite } from './run-site.ts';

export const DEMO_CONFIG = new URL('../../config/demo.yaml', import.meta.url);

export interface DemoOptions {
  /** Seconds to run; 0 runs until SIGINT/SIGTERM. */
  duration: number;
  /** Overrides of the config's analysis size and rate, and its number of cameras. */
  width?: number;
  height?: number;
  fps?: number;
  cameras?: number;
}

function scaled(config: SiteConfig, o: DemoOptions): SiteConfig {
  const scenes = config.cameras;
  const count = o.cameras ?? scenes.length;
  const cameras = Array.from({ length: count }, (_, i) => {
    const scene = scenes[i % scenes.length] as SiteConfig['cameras'][number];
    const ai = {
      ...scene.ai,
      ...(o.width ? { width: o.width, height: o.height ?? scene.ai.height } : {}),
      ...(o.fps ? { fps: o.fps } : {}),
    };
    const id = i < scenes.length ? scene.id : `${scene.id}${Math.floor(i / scenes.length)}`;
    return { ...scene, id, channel: i + 1, ai };
  });
  return { ...config, cameras };
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const logger = log.child({ module: 'demo' });
  const config = scaled(await loadConfig(DEMO_CONFIG.pathname), options);
  await prepareDemoClips(config, logger);
  const running = await startSite(config, log);
  const report = (): void => {
    for (const c of running.site.cameras()) {
      const m = running.site.cameraMetrics(c.id);
      if (!m) continue;
      logger.info(
        {
          camera: m.camera,
          state: m.state,
          inputFps: Number(m.inputFps.toFixed(1)),
          analysedFps: Number(m.analysedFps.toFixed(1)),
          framesAnalysed: m.framesAnalysed,
          drops: m.drops,
          candidates: m.candidates,
          p99CaptureToMotionMs: Number(m.latency.capture_to_motion.p99Ms.toFixed(1)),
        },
        'camera metrics',
      );
    }
  };
  const timer = setInterval(report, 10_000);
  let events = 0;
  running.site.onEvent((m) => {
    if (m.type === 'start') events++;
  });
  let frames = 0;
  await runUntilSignal(running, log, {
    durationS: options.duration,
    configFile: DEMO_CONFIG.pathname,
    beforeStop: () => {
      clearInterval(timer);
      report();
      frames = running.site.cameras().reduce((n, c) => n + (running.site.cameraMetrics(c.id)?.framesAnalysed ?? 0), 0);
    },
  });
  logger.info({ cameras: config.cameras.length, frames, events }, 'demo finished');
}
