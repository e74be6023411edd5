/**
 * `panoptes demo`: the embedded default. Synthetic cameras (ffmpeg lavfi sources) run through the
 * actor runtime (ingest, rings, channel workers, native kernels) and their metrics are logged. Later
 * issues add inference, MQTT, the API and the dashboard to this same command.
 */
import { Gateway } from '../coordinator/gateway.ts';
import type { CameraSpec } from '../coordinator/camera.ts';
import { resolveFfmpeg } from '../ingest/ffmpeg-path.ts';
import { log } from '../log.ts';
import { logNativeReport } from './native-report.ts';

export interface DemoOptions {
  /** Seconds to run; 0 runs until SIGINT/SIGTERM. */
  duration: number;
  width: number;
  height: number;
  fps: number;
  cameras: number;
}

/** Moving synthetic scenes, so every camera has motion to analyse. */
const SCENES = ['testsrc2', 'mandelbrot', 'life=mold=10:ratio=0.5:death_color=#C83232:life_color=#00ff00', 'cellauto=rule=110'];

function demoCamera(index: number, o: DemoOptions): CameraSpec {
  const scene = SCENES[index % SCENES.length] as string;
  const graph = `${scene}${scene.includes('=') ? ':' : '='}size=${o.width}x${o.height}:rate=${o.fps}`;
  return {
    id: `demo${index}`, url: `lavfi:${graph}`, transport: 'tcp', loop: false, width: o.width, height: o.height,
    fps: o.fps, format: 'yuv420p', sampling: 'fixed_fps', minFps: 1, ioTimeoutMs: 5000, stallTimeoutMs: 10_000,
    stableAfterMs: 30_000, udpFallbackAfter: 3, ringSlots: 4,
    backoff: { initialMs: 1000, factor: 2, maxMs: 30_000, jitter: 0.1 },
    circuit: { failureThreshold: 5, openMs: 60_000, halfOpenMaxTrials: 3, successThreshold: 2 },
  };
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const logger = log.child({ module: 'demo' });
  logNativeReport(logger);
  const ffmpeg = resolveFfmpeg();
  logger.info({ ffmpeg: ffmpeg.path, version: ffmpeg.version, source: ffmpeg.source }, 'ffmpeg found');
  const gateway = new Gateway({ ffmpeg, logger: log });
  gateway.start();
  for (let i = 0; i < options.cameras; i++) {
    await gateway.addCamera(demoCamera(i, options), {
      motion: { threshold: 25, minArea: 64, alpha: 0.2, gridCols: 8, gridRows: 8, maxBoxes: 32, exclude: null },
      regions: { padding: 0.15, minSide: 160, maxRegions: 4 },
      lightingRatio: 0.6,
      tensor: { width: 320, height: 320, layout: 'nchw-f32' },
    });
  }
  const report = (): void => {
    for (const c of gateway.list()) {
      const m = gateway.metrics(c.actor.spec.id);
      if (!m) continue;
      logger.info({
        camera: m.camera, state: m.state, inputFps: Number(m.inputFps.toFixed(1)), analysedFps: Number(m.analysedFps.toFixed(1)),
        framesAnalysed: m.framesAnalysed, drops: m.drops, candidates: m.candidates,
        p99CaptureToMotionMs: Number(m.latency.capture_to_motion.p99Ms.toFixed(1)),
      }, 'camera metrics');
    }
  };
  const timer = setInterval(report, 10_000);
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (options.duration > 0) setTimeout(done, options.duration * 1000).unref();
  });
  clearInterval(timer);
  report();
  const totals = gateway.list().reduce((t, c) => ({ frames: t.frames + (gateway.metrics(c.actor.spec.id)?.framesAnalysed ?? 0), cameras: t.cameras + 1 }), { frames: 0, cameras: 0 });
  await gateway.stop();
  logger.info(totals, 'demo finished');
}
