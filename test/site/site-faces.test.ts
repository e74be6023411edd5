import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { DetectionEvent, EventMessage } from '../../src/analytics/events.ts';
import { preparePhotoSprites } from '../support/photo-sprites.ts';
import { parseConfig } from '../../src/config/load.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import type { Rect } from '../../src/native/index.ts';
import { Site } from '../../src/site/site.ts';
import { waitFor } from '../support/wait.ts';
import { storageYaml } from '../support/storage-dir.ts';

const logger = pino({ level: process.env['PANOPTES_TEST_LOG'] ?? 'silent' });
let dir = '';
let site: Site;
const messages: EventMessage[] = [];

/**
 * The demo's two people cut from real photos, walking across a 640 x 360 camera once: the visitor
 * (face ~50 px) left to right from t = 0, the walker (face ~15 px) right to left; both gone by 8 s.
 */
function scene(sprites: string): string {
  return [
    'color=c=0x706858:size=640x360:rate=5,format=yuv420p[bg]',
    `movie=filename=${join(sprites, 'visitor.png')},loop=loop=-1:size=1:start=0,setpts=N/5/TB[v]`,
    `movie=filename=${join(sprites, 'walker.png')},loop=loop=-1:size=1:start=0,setpts=N/5/TB[w]`,
    "[bg][v]overlay=x='t*110-60':y=110:eval=frame[a]",
    "[a][w]overlay=x='560-t*90':y=130:eval=frame",
  ].join(';');
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'panoptes-site-faces-'));
  const sprites = await preparePhotoSprites(join(dir, 'sprites'));
  const config = `
gateway: { workers: 1 }
${storageYaml()}
inference:
  backend: { type: nanodet }
  pool: { threads: 1 }
  tracker: { maxAgeMs: 1500 }
defaults:
  ai: { fps: 5, width: 640, height: 360, format: yuv420p }
  objects: { person: { minScore: 0.3 } }
cameras:
  - id: hall
    channel: 1
    streams: { primary: "lavfi:${scene(sprites)}" }
`;
  site = await Site.start(parseConfig(config, { env: {} }), { ffmpeg: resolveFfmpeg(), logger });
  site.onEvent((m) => messages.push(m));
});
after(async () => {
  await site?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const inside = (inner: Rect, outer: Rect): boolean =>
  inner.x >= outer.x - 0.5 &&
  inner.y >= outer.y - 0.5 &&
  inner.x + inner.width <= outer.x + outer.width + 0.5 &&
  inner.y + inner.height <= outer.y + outer.height + 0.5;

test('a person walking across a camera becomes an event whose best shot and record carry the face', async () => {
  const ended = (): DetectionEvent[] => messages.filter((m) => m.type === 'end' && m.event.label === 'person').map((m) => m.event);
  await waitFor('both people crossed and their events ended', () => ended().length >= 2, 60_000);
  for (const event of ended()) {
    const shot = event.bestShot;
    assert.ok(shot, `event ${event.id} has a best shot`);
    assert.ok(shot.face, `the best shot of ${event.id} (box ${JSON.stringify(shot.box)}) carries a face`);
    assert.deepEqual(event.face, shot.face, "the event's face is its best shot's");
    const head = { x: shot.box.x, y: shot.box.y, width: shot.box.width, height: shot.box.height * 0.5 };
    assert.ok(
      inside(shot.face.box, head),
      `the face ${JSON.stringify(shot.face.box)} is in the top of the person ${JSON.stringify(shot.box)}`,
    );
    assert.equal(shot.face.keypoints.length, 6);
    assert.ok(shot.quality > 10 * shot.face.score, "the face counted in the best shot's quality");
  }
  const counters = site.hub.pool.stats().counters;
  assert.ok(counters.facesFound > 0 && counters.faceSearches >= counters.facesFound);
  assert.ok(!site.health().reasons.some((r) => r.includes('face')), 'no face problem in the health report');
});

test('a face model that cannot load degrades the health report, naming the setting, while the site runs', async () => {
  const config = `
${storageYaml()}
inference:
  backend: { type: nanodet }
  pool: { threads: 1 }
  faces: { modelPath: ${join(dir, 'no-such-face-model.onnx')} }
cameras: []
`;
  const broken = await Site.start(parseConfig(config, { env: {} }), { ffmpeg: resolveFfmpeg(), logger });
  try {
    const health = broken.health();
    assert.equal(health.status, 'degraded');
    assert.equal(health.inference.degraded, false, 'the object detector itself runs');
    const reason = health.reasons.find((r) => r.startsWith('face cascade off'));
    assert.ok(reason, JSON.stringify(health.reasons));
    assert.match(reason, /E_MODEL_MISSING: .*inference\.faces\.modelPath/);
  } finally {
    await broken.stop();
  }
});
