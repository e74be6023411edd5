/**
 * The demo's cameras are looping clips of real-photo scenes (src/scenes/). A camera whose stream is
 * `data/demo/<scene>.mp4` (relative to the working directory, like the outbox) names a scene of the
 * catalogue; its clip is rendered by ffmpeg on first start (a few seconds) and reused afterwards.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { SiteConfig } from '../config/schema.ts';
import { resolveFfmpeg } from '../ingest/ffmpeg-path.ts';
import { SCENES, type SceneName } from '../scenes/catalogue.ts';
import { renderScene } from '../scenes/render.ts';

export const DEMO_CLIP_DIR = path.join('data', 'demo');

const isScene = (name: string): name is SceneName => Object.hasOwn(SCENES, name);

/** The scenes the config's cameras play from DEMO_CLIP_DIR. */
export function demoScenes(config: SiteConfig): SceneName[] {
  const names = config.cameras.flatMap((c) => {
    const file = path.normalize(c.streams.secondary ?? c.streams.primary);
    const name = path.basename(file, '.mp4');
    return path.dirname(file) === DEMO_CLIP_DIR && isScene(name) ? [name] : [];
  });
  return [...new Set(names)];
}

/** Renders the clips the config's cameras need that are missing or out of date. */
export async function prepareDemoClips(config: SiteConfig, logger: Logger): Promise<void> {
  const scenes = demoScenes(config);
  if (scenes.length === 0) return;
  const ffmpeg = resolveFfmpeg(config.gateway.ffmpegPath === 'auto' ? process.env['PANOPTES_FFMPEG'] : config.gateway.ffmpegPath);
  const startMs = Date.now();
  await Promise.all(scenes.map((name) => renderScene(SCENES[name], DEMO_CLIP_DIR, ffmpeg.path)));
  logger.info({ scenes, dir: DEMO_CLIP_DIR, ms: Date.now() - startMs }, 'demo clips ready');
}
