/**
 * Full-frame pictures in a running site: a red box crosses a dark yuv420p scene (ffmpeg lavfi, motion
 * backend), each event keeps the whole frame at its best-shot moment next to its crop, downscaled to
 * `bestShot.frameWidth`, served over HTTP, kept across a restart and deleted by retention.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import type { DetectionEvent, EventMessage } from '../../src/analytics/events.ts';
import type { Site } from '../../src/site/site.ts';
import { scratchStorageDir } from '../support/storage-dir.ts';
import { type StorageSite, startStorageSite } from '../support/storage-site.ts';
import { waitFor } from '../support/wait.ts';

const W = 320,
  H = 180,
  FRAME_WIDTH = 240,
  SCALE = FRAME_WIDTH / W;
// A 40x40 red box (R 255, G and B 32) crosses a near-black scene on rows 70-110 every 5 s.
const SCENE = [
  `color=c=0x101010:size=${W}x${H}:rate=10,format=yuv420p[bg]`,
  'color=c=0xff2020:size=40x40:rate=10,format=yuv420p[a]',
  "[bg][a]overlay=x='mod(t*100,500)-40':y=70:eval=frame,format=yuv420p",
].join(';');

const dir = scratchStorageDir();
const config = (cameras: string): string => `
gateway: { workers: 1 }
inference:
  backend: { type: motion }
  pool: { threads: 1, queueDepth: 16 }
  tracker: { maxAgeMs: 1000 }
  bestShot: { frameWidth: ${FRAME_WIDTH} }
defaults:
  ai: { fps: 10, width: ${W}, height: ${H}, format: yuv420p }
  objects: { '*': { minScore: 0.3 } }
  regions: { minSide: 64 }
${cameras}
`;
const CAMERA = `cameras:\n  - id: yard\n    channel: 1\n    streams: { primary: "lavfi:${SCENE}" }`;

let running: StorageSite | undefined;
let base = '';
const messages: EventMessage[] = [];

/** A site on the one storage directory (each test restarts it there). */
async function start(cameras: string, storage?: string): Promise<Site> {
  running = await startStorageSite({ storageDir: dir, config: config(cameras), ...(storage === undefined ? {} : { storage }) });
  running.site.onEvent((m) => messages.push(m));
  base = running.base;
  return running.site;
}

async function stop(): Promise<void> {
  await running?.stop();
  running = undefined;
}

after(stop);

let event: DetectionEvent;
let reference: string;
let jpeg: Buffer;

test('an ended event keeps the whole frame at its best-shot moment, bestShot.frameWidth wide, showing the object at the best-shot box', async () => {
  const s = await start(CAMERA);
  await waitFor('an event ended with a full-frame picture', () =>
    messages.some((m) => m.type === 'end' && m.event.bestShot?.frameJpeg != null),
  );
  event = messages.find((m) => m.type === 'end' && m.event.bestShot?.frameJpeg != null)?.event as DetectionEvent;
  // The crop and the frame are written apart (either may land first): wait for both references.
  await waitFor('both files written and referenced', () => {
    const shot = s.event(event.id)?.bestShot;
    return shot?.frameJpeg != null && shot.jpeg != null;
  });
  const stored = s.event(event.id)?.bestShot;
  assert.ok(stored?.frameJpeg && stored.jpeg);
  reference = stored.frameJpeg;
  assert.equal(reference, stored.jpeg.replace(/\.jpg$/, '.frame.jpg'), 'beside the crop, named after the event');
  jpeg = readFileSync(path.join(dir, reference));
  assert.deepEqual(await s.frame(event.id), jpeg);

  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [FRAME_WIDTH, Math.round(H * SCALE), 3]);
  // Where the red box is in the picture, in frame pixels.
  let n = 0,
    sx = 0,
    sy = 0;
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++) {
      const i = (y * info.width + x) * 3;
      if (data[i]! > 150 && data[i + 1]! < 100 && data[i + 2]! < 100) {
        n++;
        sx += x;
        sy += y;
      }
    }
  assert.ok(n > 200, `the red box is in the picture (${n} red pixels)`);
  const cx = sx / n / SCALE,
    cy = sy / n / SCALE;
  const box = stored.box;
  assert.ok(
    cx >= box.x && cx <= box.x + box.width && cy >= box.y && cy <= box.y + box.height,
    `the red box's centre (${cx.toFixed(1)}, ${cy.toFixed(1)}) is inside the best-shot box ${JSON.stringify(box)}`,
  );
  assert.ok(cy > 70 && cy < 110, 'on the rows the scene draws it');
  assert.ok(data[0]! < 60 && data[1]! < 60, 'the background stays dark');
});

test('GET /events/{id}/frame.jpg serves the picture as image/jpeg; an unknown event is a 404', async () => {
  const res = await fetch(`${base}/events/${encodeURIComponent(event.id)}/frame.jpg`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), jpeg);
  const missing = await fetch(`${base}/events/1700000000000-none.1/frame.jpg`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'E_NOT_FOUND');
});

test('a restarted site serves the same picture from disk', async () => {
  await stop();
  const s = await start('cameras: []');
  assert.equal(s.event(event.id)?.bestShot?.frameJpeg, reference);
  assert.deepEqual(await s.frame(event.id), jpeg);
  const res = await fetch(`${base}/events/${encodeURIComponent(event.id)}/frame.jpg`);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), jpeg);
});

test('retention deletes the picture with its event', async () => {
  await stop();
  // 0.00001 days is 0.86 s: every event recorded above is older.
  const s = await start('cameras: []', 'retention: { eventsDays: 0.00001 }');
  await waitFor('the event removed', () => s.event(event.id) === undefined);
  await waitFor('its full-frame picture deleted', () => !existsSync(path.join(dir, reference)));
  assert.equal((await fetch(`${base}/events/${encodeURIComponent(event.id)}/frame.jpg`)).status, 404);
});
