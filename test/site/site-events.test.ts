import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { DetectionEvent, EventMessage } from '../../src/analytics/events.ts';
import { parseConfig } from '../../src/config/load.ts';
import { SlabCtrl } from '../../src/inference/crop-slab.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { Site } from '../../src/site/site.ts';
import { storageYaml } from '../support/storage-dir.ts';
import { waitFor } from '../support/wait.ts';

// Two bright boxes cross a dark 320x180 scene on known rows, in opposite directions, every 5 s
// (visible 3.6 s, then gone 1.4 s: longer than the tracker's maxAgeMs, so each pass is one object).
const SCENE = [
  'color=c=0x202020:size=320x180:rate=10,format=yuv420p[bg]',
  'color=c=0xe0e0e0:size=40x40:rate=10,format=yuv420p[a]',
  'color=c=0xc0c0c0:size=40x40:rate=10,format=yuv420p[b]',
  "[bg][a]overlay=x='mod(t*100,500)-40':y=20:eval=frame[o0]",
  "[o0][b]overlay=x='320-mod(t*100,500)':y=120:eval=frame[o1]",
  '[o1]format=gray',
].join(';');

const STORAGE = storageYaml();
const CONFIG = `
gateway: { workers: 1 }
${STORAGE}
inference:
  backend: { type: motion }
  # Sixteen crop slots (1.6 s at 10 fps): a pool worker preempted on a loaded 2-core machine must not
  # turn into queue drops, which this test counts.
  pool: { threads: 1, queueDepth: 16 }
  tracker: { maxAgeMs: 1000 }
defaults:
  ai: { fps: 10, width: 320, height: 180, format: gray }
  objects: { '*': { minScore: 0.3 } }
  regions: { minSide: 64 }
cameras:
  - id: yard
    channel: 1
    streams: { primary: "lavfi:${SCENE}" }
`;

let site: Site;
const messages: EventMessage[] = [];

before(async () => {
  site = await Site.start(parseConfig(CONFIG, { env: {} }), { ffmpeg: resolveFfmpeg(), logger: pino({ level: 'silent' }) });
  site.onEvent((m) => messages.push(m));
});
after(async () => {
  await site.stop();
});

const ended = (): DetectionEvent[] => messages.filter((m) => m.type === 'end').map((m) => m.event);

test('each object crossing the scene becomes one event that starts, ends, and carries a best-shot JPEG', async () => {
  await waitFor('two events ended', () => ended().length >= 2, 60_000);
  const [first, second] = ended().slice(0, 2) as [DetectionEvent, DetectionEvent];
  // Exactly two events started during the first pass (the next pass begins 1.4 s after the boxes leave),
  // so no object was split into a second track (a motion trail breaking apart used to do that).
  const passEnd = Math.max(first.endMs ?? 0, second.endMs ?? 0);
  assert.equal(messages.filter((m) => m.type === 'start' && m.event.startMs <= passEnd).length, 2);
  // One event a box: one on the upper row (y 20..60), one on the lower (y 120..160).
  const rows = [first, second].map((e) => (e.box.y + e.box.height / 2 < 90 ? 'upper' : 'lower')).sort();
  assert.deepEqual(rows, ['lower', 'upper']);
  for (const e of [first, second]) {
    assert.equal(e.label, 'motion');
    assert.equal(e.camera, 'yard');
    const messagesOfEvent = messages.filter((m) => m.event.id === e.id).map((m) => m.type);
    assert.equal(messagesOfEvent[0], 'start', `first message of ${e.id}`);
    assert.equal(messagesOfEvent.filter((t) => t === 'start').length, 1);
    assert.equal(messagesOfEvent.at(-1), 'end');
    assert.ok(e.endMs !== null && e.endMs > e.startMs, 'the end time follows the start');
    assert.ok(e.bestShot, 'the event has a best shot');
    assert.ok(e.bestShot.jpeg, 'the best shot has a JPEG reference');
    const jpeg = await site.snapshot(e.id);
    assert.ok(jpeg && jpeg[0] === 0xff && jpeg[1] === 0xd8, 'the snapshot is a JPEG');
  }
  assert.notEqual(first.id, second.id);
  assert.equal(site.events({ camera: 'yard' }).events.length >= 2, true);
});

test('live detections carry track ids once a track is confirmed', async () => {
  const seen: Array<number | null> = [];
  const off = site.onDetections((frame) => seen.push(...frame.detections.map((d) => d.trackId)));
  await waitFor('tracked detections', () => seen.some((id) => id !== null), 60_000);
  off();
});

test('the camera is healthy and its inference queue drops nothing at this load', () => {
  const health = site.health();
  assert.deepEqual(health.streams, { online: 1, total: 1, enabled: 1 });
  assert.equal(health.inference.degraded, false);
  const metrics = site.cameraMetrics('yard');
  assert.ok(metrics && metrics.candidates > 0, 'candidates were sent to inference');
  const slab = site.hub.camera('yard')?.slab;
  assert.ok(slab);
  assert.equal(slab.counter(SlabCtrl.DroppedQueueFull) + slab.counter(SlabCtrl.DroppedInFlight), 0);
});

test('a restarted site lists every event it stored, ended, and serves their best shots from disk', async () => {
  await site.stop();
  // Stopping ended every running event; each event's last message is its stored state.
  const last = new Map<string, DetectionEvent>();
  for (const m of messages) last.set(m.event.id, m.event);
  site = await Site.start(parseConfig(`${STORAGE}\ninference: { backend: { type: motion } }\ncameras: []\n`, { env: {} }), {
    ffmpeg: resolveFfmpeg(),
    logger: pino({ level: 'silent' }),
  });
  const stored = site.events({ limit: 1000 }).events;
  assert.deepEqual(stored.map((e) => e.id).sort(), [...last.keys()].sort());
  let pictures = 0;
  for (const event of stored) {
    const published = last.get(event.id) as DetectionEvent;
    assert.ok(event.endMs !== null, `${event.id} ended`);
    const { bestShot, clip, ...rest } = event;
    const { bestShot: publishedShot, ...publishedRest } = published;
    assert.deepEqual(rest, publishedRest);
    assert.equal(clip, null);
    if (publishedShot?.jpeg == null) continue;
    assert.match(bestShot?.jpeg ?? '', /^snapshots\/yard\/\d{4}-\d{2}-\d{2}\/.+\.jpg$/);
    const jpeg = await site.snapshot(event.id);
    assert.ok(jpeg && jpeg[0] === 0xff && jpeg[1] === 0xd8, `the snapshot of ${event.id} is a JPEG read from disk`);
    pictures++;
  }
  assert.ok(pictures >= 2, 'the ended events kept their pictures');
});
