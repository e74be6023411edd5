/**
 * Live video families (src/live/): viewers and running restreams by camera, restreams started, and
 * what pacing did to slow viewers (skipped ahead to a key frame, dropped); viewers refused by reason.
 */
import type { Registry } from 'prom-client';
import { counterFamily, gaugeFamily, type Sample } from './families.ts';
import type { LiveSample } from './sources.ts';

type CameraCounter = 'viewers' | 'starts' | 'skips' | 'dropped' | 'sent';

export function registerLiveMetrics(registry: Registry, read: () => LiveSample | null): void {
  const perCamera = (field: CameraCounter | 'running') => (): Array<Sample<'camera'>> =>
    Object.entries(read()?.cameras ?? {}).map(([camera, s]) => ({ labels: { camera }, value: Number(s[field]) }));
  gaugeFamily(
    { registry, name: 'panoptes_live_viewers', help: 'Live video viewers connected now, by camera.', labelNames: ['camera'] },
    perCamera('viewers'),
  );
  gaugeFamily(
    { registry, name: 'panoptes_live_restream_running', help: "1 while a camera's live restream ffmpeg runs.", labelNames: ['camera'] },
    perCamera('running'),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_live_restreams_started_total',
      help: 'Live restreams started (first viewer after none).',
      labelNames: ['camera'],
    },
    perCamera('starts'),
  );
  counterFamily(
    { registry, name: 'panoptes_live_fragments_sent_total', help: 'Live video fragments sent to viewers.', labelNames: ['camera'] },
    perCamera('sent'),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_live_viewer_skips_total',
      help: 'Times a live viewer over http.live.maxBufferedBytes was skipped ahead to the next key frame.',
      labelNames: ['camera'],
    },
    perCamera('skips'),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_live_viewers_dropped_total',
      help: 'Live viewers closed for staying behind (http.live.maxBehindKeyFrames).',
      labelNames: ['camera'],
    },
    perCamera('dropped'),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_live_viewers_refused_total',
      help: 'Live viewers refused, by reason (unknown_camera, disabled, limit).',
      labelNames: ['reason'],
    },
    () => Object.entries(read()?.refused ?? {}).map(([reason, value]) => ({ labels: { reason }, value })),
  );
}
