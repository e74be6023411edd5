/**
 * `panoptes demo`: the embedded default. Until the gateway pipeline lands (issues 3-5) it runs the native
 * kernels on a synthetic moving clip decoded by ffmpeg, in real time, and logs what they see.
 */
import { spawn } from 'node:child_process';
import { log } from '../log.ts';
import { resolveFfmpeg } from '../ingest/ffmpeg-path.ts';
import { MotionDetector, cropResize, frameBytes, sharpness, toLuma } from '../native/index.ts';
import { logNativeReport } from './native-report.ts';

export interface DemoOptions {
  /** Seconds to run; 0 runs until SIGINT/SIGTERM. */
  duration: number;
  width: number;
  height: number;
  fps: number;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const logger = log.child({ module: 'demo' });
  logNativeReport(logger);
  const ffmpeg = resolveFfmpeg();
  const { width, height, fps } = options;
  const source = `testsrc2=size=${width}x${height}:rate=${fps}`;
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', source];
  if (options.duration > 0) args.push('-t', String(options.duration));
  args.push('-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1');
  logger.info({ ffmpeg: ffmpeg.path, ffmpegSource: ffmpeg.source, source }, 'demo camera starting');
  const child = spawn(ffmpeg.path, args, { stdio: ['ignore', 'pipe', 'inherit'] });

  const frame = new Uint8Array(frameBytes('yuv420p', width, height));
  const luma = new Uint8Array(width * height);
  const tensor = new Float32Array(320 * 320 * 3);
  const detector = new MotionDetector({ width, height, threshold: 25, minArea: 64, alpha: 0.2 });
  let filled = 0;
  let frames = 0;
  let moving = 0;
  let bestTenengrad = 0;

  const onFrame = (): void => {
    frames++;
    toLuma(frame, 'yuv420p', width, height, luma, width, height);
    if (detector.detect(luma) === 0 || detector.stats[6] === 0) return;
    moving++;
    const box = detector.boxData;
    const roi = { x: box[0] as number, y: box[1] as number, width: box[2] as number, height: box[3] as number };
    bestTenengrad = Math.max(bestTenengrad, sharpness(luma, width, height, roi).tenengrad);
    cropResize(frame, 'yuv420p', width, height, { roi, width: 320, height: 320, layout: 'nchw-f32', letterbox: true }, tensor);
  };

  child.stdout.on('data', (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, frame.length - filled);
      frame.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === frame.length) {
        filled = 0;
        onFrame();
      }
    }
  });

  const report = setInterval(() => {
    logger.info({ frames, framesWithMotion: moving, bestTenengrad: Math.round(bestTenengrad) }, 'demo camera stats');
  }, 5000);
  const stop = (): void => {
    child.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearInterval(report);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  logger.info({ frames, framesWithMotion: moving, exitCode: code }, 'demo finished');
}
