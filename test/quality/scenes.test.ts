import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { SCENES, type SceneName } from '../../src/scenes/catalogue.ts';
import { renderScene } from '../../src/scenes/render.ts';
import { Site } from '../../src/site/site.ts';
import { sceneFigures, type SceneFigures } from '../support/scene-metrics.ts';
import { runScene, type SceneRunOptions } from '../support/scene-run.ts';
import { storageYaml } from '../support/storage-dir.ts';

// Real photos of people and vehicles moving over a background (src/scenes/), rendered by ffmpeg, played as looping
// file cameras through the whole site (default detect size) with the shipped detector at 5 fps; what the site
// reports is scored against where each object really was (test/support/scene-metrics.ts). Thresholds
// are on outcomes, never on timing. The figures table is printed at the end (README "Detection quality").
const BACKEND = process.env['PANOPTES_QUALITY_BACKEND'] ?? 'nanodet';
// The nanodet input side to compare against the default (e.g. 416); the backend's default when unset.
const INPUT_SIZE = process.env['PANOPTES_QUALITY_INPUT_SIZE'];
const BACKEND_CONFIG =
  BACKEND === 'nanodet' && INPUT_SIZE !== undefined ? `{ type: nanodet, inputSize: ${INPUT_SIZE} }` : `{ type: ${BACKEND} }`;
const LABELS = BACKEND === 'motion' ? ['motion'] : ['person'];
/**
 * COCO's road vehicles, the group a site's vehicle rules name. What the shipped NanoDet-m calls the bus
 * of the vehicles scene (a frame at its passage, regions as the site cuts them): bus 0.54-0.89 at 320
 * and 416, truck at most 0.31 and car 0.25 (below the backend's 0.4), so `bus` is what it says; any
 * vehicle label is right for a site, a person or an animal is not.
 */
const VEHICLES = ['bicycle', 'car', 'motorcycle', 'bus', 'truck'];

const config = (backend: string): string => `
gateway: { workers: 1 }
${storageYaml()}
inference:
  backend: ${backend}
  pool: { threads: 1 }
defaults:
  ai: { fps: 5 }
  objects: { '*': { minScore: 0.5 } }
cameras: []
`;

const startSite = async (backend: string): Promise<Site> =>
  Site.start(parseConfig(config(backend), { env: {} }), { ffmpeg: resolveFfmpeg(), logger: pino({ level: 'silent' }) });

// The scenes are 1280x720, the default detect size: boxes compare 1:1.
const DETECT_WIDTH = 1280;
const CLIPS = path.join(tmpdir(), 'panoptes-scenes');
let site: Site;
const figures: SceneFigures[] = [];

before(async () => {
  site = await startSite(BACKEND_CONFIG);
});
after(async () => {
  await site.stop();
  const pct = (v: number): string => `${Math.round(v * 100)}%`;
  const rows = figures.map(
    (f) =>
      `| ${f.scene} | ${f.objects} | ${f.events} | ${f.eventsPerObject.toFixed(2)} | ${pct(f.wholePassage)} | ${f.idSwitches} | ${f.falseEvents} | ${f.minBestShotIou === null ? '-' : f.minBestShotIou.toFixed(2)} | ${f.faceObjects > 0 ? `${f.facesFound}/${f.faceObjects}` : '-'} | ${f.trackedSkips + f.quietSkips} (${f.quietSkips}) | ${f.perObject.map((p) => `${p.key} ${p.labels.join('/') || '-'}`).join(', ')} |`,
  );
  console.log(
    [
      '',
      `backend: ${BACKEND_CONFIG}`,
      '| scene | objects | events | events/object | whole passage | id switches | false events | min best-shot IoU | faces | frames the track gate kept from the detector (in quiet areas) | event labels |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
});

async function play(name: SceneName, options: Partial<SceneRunOptions> = {}, on = site, label: string = name): Promise<SceneFigures> {
  const spec = SCENES[name];
  const clip = await renderScene(spec, CLIPS, resolveFfmpeg().path);
  const observation = await runScene(on, spec, clip, { labels: LABELS, analysisWidth: DETECT_WIDTH, ...options });
  const f = { ...sceneFigures(observation), scene: label };
  figures.push(f);
  return f;
}

function assertCommon(f: SceneFigures, objects: number): void {
  const detail = JSON.stringify(f);
  assert.equal(f.objects, objects, `objects in the scene: ${detail}`);
  assert.ok(f.eventsPerObject >= 1 && f.eventsPerObject <= 1.2, `events per object ${f.eventsPerObject}: ${detail}`);
  assert.equal(f.falseEvents, 0, `events on nobody: ${detail}`);
  assert.ok(f.wholePassage >= 0.8, `events spanning the whole passage ${f.wholePassage}: ${detail}`);
  assert.ok(f.minBestShotIou !== null && f.minBestShotIou >= 0.5, `best shot IoU with the object ${f.minBestShotIou}: ${detail}`);
}

test('one person crossing the hall is one event from entry to exit with a best shot on them', async () => {
  const f = await play('single');
  assertCommon(f, 1);
  assert.equal(f.idSwitches, 0);
  // Default regions.trackedIntervalMs: once the person is tracked, most frames need no detector.
  if (BACKEND !== 'motion') assert.ok(f.trackedSkips >= 10, `frames the track gate kept from the detector: ${f.trackedSkips}`);
});

test('two people crossing each other keep their identities: two events, no identity switch', async () => {
  const f = await play('crossing');
  assertCommon(f, 2);
  assert.equal(f.idSwitches, 0, JSON.stringify(f));
  assert.equal(f.mergedTracks, 0, JSON.stringify(f));
});

test('two people walking side by side are two events, not one', async () => {
  const f = await play('pair');
  assertCommon(f, 2);
  assert.equal(f.mergedTracks, 0, JSON.stringify(f));
});

test('a person who stands still for 4 s mid-passage stays one event', async () => {
  const f = await play('stop');
  assertCommon(f, 1);
});

test('a cut to another view mid-passage raises no event on the new background', async () => {
  const f = await play('cut');
  assertCommon(f, 1);
});

test('a step in lighting mid-passage raises no event of its own and keeps the person one event', async () => {
  const f = await play('lighting');
  assertCommon(f, 1);
});

test('heavy sensor noise neither hides the person nor raises events on it', async () => {
  const f = await play('noise');
  assertCommon(f, 1);
  assert.equal(f.idSwitches, 0, JSON.stringify(f));
});

test('a camera reconnecting mid-passage ends the running event and the replayed passage is a new one', async () => {
  const f = await play('reconnect', { restartAtS: 4.5 });
  assertCommon(f, 2);
});

test('a person passing close to the camera (head and shoulders) is one person event', async () => {
  const f = await play('face');
  assertCommon(f, 1);
});

test('a bus driving down a real road and a person walking up it are one event each, the bus labelled a vehicle, from entry to exit', async () => {
  const f = await play('vehicles', BACKEND === 'motion' ? {} : { labels: [...LABELS, ...VEHICLES] });
  assertCommon(f, 2);
  assert.equal(f.idSwitches, 0, JSON.stringify(f));
  assert.equal(f.mergedTracks, 0, JSON.stringify(f));
  if (BACKEND === 'motion') return;
  const labelsOf = (id: string): string[] => f.perObject.find((p) => p.key === `0:${id}`)?.labels ?? [];
  assert.ok(
    labelsOf('bus').length > 0 && labelsOf('bus').every((l) => VEHICLES.includes(l)),
    `the bus's events are labelled ${labelsOf('bus').join(', ')}: ${JSON.stringify(f)}`,
  );
  assert.deepEqual(labelsOf('walker'), ['person'], JSON.stringify(f));
});

test('the face of a person passing close to the camera is one face event, its best shot on the face (BlazeFace as the detector)', async () => {
  const faces = await startSite('{ type: blazeface }');
  try {
    const f = await play('face', { labels: ['face'], target: 'face' }, faces, 'face (blazeface)');
    assertCommon(f, 1);
    assert.equal(f.idSwitches, 0, JSON.stringify(f));
  } finally {
    await faces.stop();
  }
});

test('a person event carries the face the face cascade found on the person', () => {
  const f = figures.find((x) => x.scene === 'face');
  assert.ok(f, 'the face scene ran before');
  assert.equal(f.faceObjects, 1, JSON.stringify(f));
  assert.equal(f.facesFound, 1, JSON.stringify(f));
});
