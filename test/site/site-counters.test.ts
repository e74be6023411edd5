import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { parseConfig } from '../../src/config/load.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { Site } from '../../src/site/site.ts';
import { createSiteMetrics } from '../../src/site/site-metrics.ts';
import { waitFor } from '../support/wait.ts';
import { storageYaml } from '../support/storage-dir.ts';

// Prometheus counters of a camera stay monotonic for the life of the process, whatever replaces the
// parts that count (a restart, a channel worker restart, a stop and start, an ingest change); only
// deleting the camera ends its series.
const stream = (fps: number) => ({ primary: `lavfi:testsrc2=size=160x90:rate=${fps}` });
const entry = (fps: number) => ({ channel: 1, streams: stream(fps), ai: { fps, width: 160, height: 90, format: 'gray' } });
const config = `
gateway: { workers: 1 }
${storageYaml()}
inference: { pool: { threads: 1 } }
cameras:
  - { id: a, channel: 1, streams: { primary: "lavfi:testsrc2=size=160x90:rate=5" }, ai: { fps: 5, width: 160, height: 90, format: gray } }
`;

let site: Site;
let registry: Registry;
const SERIES = /^(panoptes_\w+?(?:_total|_bucket|_count|_sum))\{([^}]*camera="a"[^}]*)\} (\S+)$/;

/** Every counter-like series of camera `a` (totals and histogram buckets, counts, sums) by name and labels. */
async function counters(): Promise<Map<string, number>> {
  const text = await registry.metrics();
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = SERIES.exec(line);
    if (m) found.set(`${m[1]}{${m[2]}}`, Number(m[3]));
  }
  return found;
}

const framesIn = (): number => site.cameraMetrics('a')?.framesIn ?? 0;
const online = (): boolean => site.camera('a')?.state === 'ONLINE';

/** Lets the camera count a little more, then checks that no series fell or vanished since `earlier`. */
async function assertNothingFell(earlier: Map<string, number>, what: string): Promise<Map<string, number>> {
  const from = framesIn();
  await waitFor(`camera a online and receiving after ${what}`, () => online() && framesIn() >= from + 5, 20_000);
  const now = await counters();
  for (const [series, value] of earlier) {
    assert.ok(now.has(series), `${series} vanished after ${what}`);
    assert.ok((now.get(series) as number) >= value, `${series} fell from ${value} to ${now.get(series)} after ${what}`);
  }
  return now;
}

before(async () => {
  site = await Site.start(parseConfig(config, { env: {} }), { ffmpeg: resolveFfmpeg(), logger: pino({ level: 'silent' }) });
  registry = createSiteMetrics(site);
  await waitFor('camera a online with frames', () => online() && framesIn() >= 10, 20_000);
});
after(async () => {
  await site.stop();
});

test('no counter of a camera falls when it is restarted, its worker dies, it is stopped and started, or its stream changes', async () => {
  let seen = await counters();
  assert.ok((seen.get('panoptes_frames_received_total{camera="a"}') ?? 0) >= 10);
  assert.ok(
    [...seen.keys()].some((k) => k.startsWith('panoptes_stage_latency_seconds_bucket')),
    'histograms are covered too',
  );

  await site.restartCamera('a');
  seen = await assertNothingFell(seen, 'a restart');

  const placement = site.gateway.supervisor.placement('a');
  assert.ok(placement);
  const analysed = site.cameraMetrics('a')?.framesAnalysed ?? 0;
  await site.gateway.supervisor.kill(placement.worker);
  await waitFor(
    'the worker restarted and analysing again',
    () =>
      (site.gateway.supervisor.placement('a')?.restarts ?? 0) > placement.restarts &&
      (site.cameraMetrics('a')?.framesAnalysed ?? 0) > analysed + 5,
    20_000,
  );
  seen = await assertNothingFell(seen, 'a channel worker restart');

  await site.setStreaming('a', false);
  await site.setStreaming('a', true);
  seen = await assertNothingFell(seen, 'a stop and start');

  const pid = site.gateway.camera('a')?.actor.pid;
  await site.updateCamera('a', entry(4));
  assert.notEqual(site.gateway.camera('a')?.actor.pid, pid, 'an ingest change runs a new ffmpeg');
  seen = await assertNothingFell(seen, 'an ingest change');
  assert.ok((seen.get('panoptes_camera_transitions_total{camera="a",state="DISABLED"}') ?? 0) >= 3, 'transitions of earlier runs are kept');
});

test("a deleted camera's series end, and a camera added again under its id counts from zero", async () => {
  const last = (await counters()).get('panoptes_frames_received_total{camera="a"}') ?? 0;
  assert.ok(last > 0);
  await site.removeCamera('a');
  assert.equal((await counters()).size, 0, 'no series of a deleted camera');
  await site.addCamera({ id: 'a', ...entry(5) });
  await waitFor('the new camera online', online, 20_000);
  const fresh = (await counters()).get('panoptes_frames_received_total{camera="a"}') ?? 0;
  assert.ok(fresh <= (site.gateway.camera('a')?.actor.frames ?? 0), `the new camera carries nothing over (${fresh} after ${last})`);
});
