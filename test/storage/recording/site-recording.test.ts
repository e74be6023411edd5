/**
 * Recording end to end: a real site with cameras on the GStreamer RTSP server (a still pattern, so
 * motion makes no events of its own), the recorder as a second output of each camera's ffmpeg (or an
 * ffmpeg of its own for a main stream beside an analysed sub-stream), clips
 * over the real HTTP server, checked with ffprobe.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { DetectionEvent } from '../../../src/analytics/events.ts';
import type { Site } from '../../../src/site/site.ts';
import { createSiteMetrics } from '../../../src/site/site-metrics.ts';
import type { Segment } from '../../../src/storage/recording/segment-name.ts';
import { startRtspServer, type RtspServer } from '../../support/rtsp-server.ts';
import { type StorageSite, startStorageSite } from '../../support/storage-site.ts';
import { waitFor } from '../../support/wait.ts';

/** One key frame a second: a segment or a clip may be off by up to this much. */
const GOP_S = 1;
const SEGMENT_S = 2;

let rtsp: RtspServer;
/** A main stream of another size than the sub-streams, to tell which one was recorded. */
let rtspMain: RtspServer;
let running: StorageSite;
let site: Site;
let dir: string;
let base: string;

function probeDuration(file: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return Number(out.trim());
}

function segments(camera: string): readonly Segment[] {
  return site.recordingsNow()?.store.segments(camera) ?? [];
}

const cameraEntry = (id: string, channel: number, mount: number, mode: string) => `
  - id: ${id}
    channel: ${channel}
    streams: { primary: "${rtsp.url(mount)}" }
    ai: { fps: 5, width: 320, height: 180, format: gray }
    lifecycle: { backoff: { initialMs: 200, maxMs: 1000 } }
    recording: { mode: ${mode}, segmentSeconds: ${SEGMENT_S}, preRollSeconds: 2, postRollSeconds: 2 }`;

before(async () => {
  rtsp = await startRtspServer({ mounts: 2, width: 320, height: 180, fps: 10, keyInterval: 10, pattern: 'smpte' });
  rtspMain = await startRtspServer({ mounts: 1, width: 480, height: 270, fps: 10, keyInterval: 10, pattern: 'smpte' });
  running = await startStorageSite({
    recordingsPrefix: 'panoptes-rec-%d%20x%%-',
    config: `
gateway: { workers: 1 }
inference: { pool: { threads: 1 } }
cameras:${cameraEntry('cont', 1, 0, 'continuous')}${cameraEntry('ev', 2, 1, 'events')}
  - id: dual
    channel: 3
    streams: { primary: "${rtspMain.url(0)}", secondary: "${rtsp.url(0)}" }
    ai: { fps: 5, width: 320, height: 180, format: gray }
    recording: { mode: continuous, segmentSeconds: ${SEGMENT_S} }
`,
    site: { recordingDecisionLagMs: 1000 },
  });
  ({ site, base } = running);
  dir = running.recordingsDir as string;
});

after(async () => {
  await running?.stop();
  await rtsp?.stop();
  await rtspMain?.stop();
});

test('a continuous camera writes segments of the configured length, named by camera and start time', async () => {
  await waitFor('four segments of cont', () => segments('cont').length >= 4, 90_000);
  // The first segment of a run starts wherever the stream was joined; the later ones are whole.
  for (const s of segments('cont').slice(1, 4)) {
    const file = site.recordingsNow()?.store.pathOf(s) as string;
    assert.match(path.relative(dir, file), /^cont\/\d{4}-\d{2}-\d{2}\/\d{2}-\d{2}-\d{2}\.\d{3}_\d+_[pcme]\.mp4$/);
    const duration = probeDuration(file);
    assert.ok(Math.abs(duration - SEGMENT_S) <= GOP_S, `segment of ${duration} s, expected ${SEGMENT_S} s within a key-frame interval`);
    assert.ok(Math.abs((s.endMs - s.startMs) / 1000 - duration) < 0.5, 'the name carries the duration ffprobe finds');
    // The index is the events database's `segments` table, its path relative to recordings.dir.
    site.storage.segments.flush();
    const row = site.storage.events.db
      .prepare('SELECT end_ms - start_ms AS ms, bytes, class FROM segments WHERE path = ?')
      .get(path.relative(dir, file));
    assert.deepEqual(row, { ms: s.endMs - s.startMs, bytes: statSync(file).size, class: s.cls });
  }
  const health = site.health().recording;
  assert.equal(health?.cameras.find((c) => c.id === 'cont')?.state, 'recording');
});

test('a recordings directory whose name holds % (an ffmpeg pattern character) records, indexes the real file names and serves clips', async () => {
  assert.match(dir, /%d%20x%%-/, 'the directory name keeps its % signs');
  await waitFor('two segments of cont', () => segments('cont').length >= 2, 90_000);
  site.storage.segments.flush();
  const indexed = (site.storage.events.db.prepare("SELECT path FROM segments WHERE camera = 'cont'").all() as Array<{ path: string }>).map(
    (r) => r.path,
  );
  const days = readdirSync(path.join(dir, 'cont')).filter((d) => !d.startsWith('.'));
  const onDisk = days.flatMap((d) => readdirSync(path.join(dir, 'cont', d)).map((f) => `cont/${d}/${f}`));
  // Read one after the other: a segment filed or renamed in between may be in one list only.
  const both = indexed.filter((key) => onDisk.includes(key));
  assert.ok(both.length >= 2, `indexed: ${indexed}; on disk: ${onDisk}`);
  const [first] = segments('cont');
  assert.ok(first && existsSync(site.recordingsNow()?.store.pathOf(first) as string), 'the store finds the file under its % directory');
  const response = await fetch(`${base}/cameras/cont/clip.mp4?start=${first.startMs}&end=${first.endMs}`);
  assert.equal(response.status, 200);
  assert.ok((await response.arrayBuffer()).byteLength > 0);
});

test('a camera with a sub-stream is analysed from the sub-stream and records the main stream, in an ffmpeg of its own', async () => {
  await waitFor('a segment of dual', () => segments('dual').length >= 1, 90_000);
  const file = site.recordingsNow()?.store.pathOf(segments('dual')[0] as Segment) as string;
  const size = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(size.trim(), '480,270', 'the main stream is recorded');
  assert.equal(site.camera('dual')?.stream?.width, 320, 'analysis reads the sub-stream');
  assert.ok(site.gateway.camera('dual')?.tapProcess, 'the main stream is recorded by a process of its own');
  assert.equal(site.gateway.camera('cont')?.tapProcess, null, 'a camera recording its analysed stream keeps one ffmpeg');
});

test('a camera clip has the asked range within a key-frame interval, is a seekable MP4 and honours Range', async () => {
  await waitFor('five segments of cont', () => segments('cont').length >= 5, 90_000);
  const all = segments('cont');
  const startMs = (all[1] as Segment).startMs + 500;
  const endMs = (all[3] as Segment).endMs - 500;
  const response = await fetch(`${base}/cameras/cont/clip.mp4?start=${new Date(startMs).toISOString()}&end=${endMs}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('accept-ranges'), 'bytes');
  const body = Buffer.from(await response.arrayBuffer());
  const clip = path.join(dir, 'clip.mp4');
  writeFileSync(clip, body);
  const duration = probeDuration(clip);
  const asked = (endMs - startMs) / 1000;
  assert.ok(duration >= asked - 0.2 && duration <= asked + GOP_S + 0.2, `clip of ${duration} s for ${asked} s asked`);
  assert.ok(body.indexOf('moov') < body.indexOf('mdat'), '+faststart: the index comes before the media');

  const part = await fetch(`${base}/cameras/cont/clip.mp4?start=${startMs}&end=${endMs}`, { headers: { range: 'bytes=100-199' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 100-199/${body.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), body.subarray(100, 200));
  const beyond = await fetch(`${base}/cameras/cont/clip.mp4?start=${startMs}&end=${endMs}`, {
    headers: { range: `bytes=${body.length}-` },
  });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), `bytes */${body.length}`);
});

test('clip requests with a bad range or for nothing recorded are refused, naming the parameter', async () => {
  const bad = await fetch(`${base}/cameras/cont/clip.mp4?start=yesterday&end=1`);
  assert.equal(bad.status, 400);
  assert.deepEqual(((await bad.json()) as { error: { problems: string[] } }).error.problems, [
    'start: expected an ISO 8601 time (2024-05-01T12:00:00Z) or epoch milliseconds',
  ]);
  const backwards = await fetch(`${base}/cameras/cont/clip.mp4?start=2000&end=1000`);
  assert.deepEqual(((await backwards.json()) as { error: { problems: string[] } }).error.problems, ['end: expected a time after start']);
  const none = await fetch(`${base}/cameras/cont/clip.mp4?start=1000&end=2000`);
  assert.equal(none.status, 404);
  assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'E_NOT_FOUND');
  assert.equal((await fetch(`${base}/cameras/nope/clip.mp4?start=1000&end=2000`)).status, 404);
  assert.equal((await fetch(`${base}/events/nope/clip.mp4`)).status, 404);
});

test('events mode keeps only the segments overlapping an event with its pre and post roll, and serves its clip', async () => {
  const filed = (): number =>
    site
      .recordingsNow()
      ?.recorders()
      .find((r) => r.camera === 'ev')?.segments ?? 0;
  await waitFor('two segments of ev filed', () => filed() >= 2, 90_000);
  const startMs = Date.now();
  const event: DetectionEvent = {
    id: `${startMs}-rec1`,
    camera: 'ev',
    label: 'person',
    score: 0.9,
    box: { x: 0, y: 0, width: 10, height: 10 },
    trackId: 1,
    startMs,
    endMs: null,
    bestShot: null,
    zones: [],
    face: null,
  };
  site.bus.publish({ type: 'start', event });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const endMs = Date.now();
  site.bus.publish({ type: 'end', event: { ...event, endMs } });
  // Decided once the post-roll and the decision lag are past and a segment later than both exists.
  await waitFor(
    'every ev segment decided up to well after the event',
    () =>
      segments('ev').some((s) => s.startMs > endMs + 8000) &&
      segments('ev')
        .filter((s) => s.endMs < endMs + 5000)
        .every((s) => s.cls !== 'pending'),
    90_000,
  );
  const [from, to] = [startMs - 2000, endMs + 2000];
  const decided = segments('ev').filter((s) => s.cls !== 'pending');
  assert.ok(decided.length > 0);
  for (const s of decided) {
    assert.equal(s.cls, 'events', 'only event segments are kept');
    assert.ok(s.endMs > from && s.startMs < to, `segment ${s.startMs}-${s.endMs} outside the event window ${from}-${to}`);
  }
  const deleted = site.recordingsNow()?.store.deletions().get('ev')?.get('not_kept')?.segments ?? 0;
  assert.ok(deleted >= 1, 'segments outside the window were deleted');

  const response = await fetch(`${base}/events/${event.id}/clip.mp4`);
  assert.equal(response.status, 200);
  const clip = path.join(dir, 'event.mp4');
  writeFileSync(clip, Buffer.from(await response.arrayBuffer()));
  const asked = (to - from) / 1000;
  const duration = probeDuration(clip);
  assert.ok(duration >= asked - 0.5 && duration <= asked + GOP_S + 0.5, `event clip of ${duration} s for ${asked} s (pre + event + post)`);

  // Its clip is complete (the post-roll is recorded) and the hasClip filter finds it; an event of a
  // time nothing was recorded has none.
  const unrecorded: DetectionEvent = { ...event, id: `${startMs}-rec0`, startMs: startMs - 3600_000, endMs: null };
  site.bus.publish({ type: 'start', event: unrecorded });
  site.bus.publish({ type: 'end', event: { ...unrecorded, endMs: unrecorded.startMs + 1000 } });
  const stored = (await (await fetch(`${base}/events/${event.id}`)).json()) as { clip: unknown };
  assert.deepEqual(stored.clip, { url: `/api/v1/events/${event.id}/clip.mp4`, state: 'complete' });
  const ids = async (hasClip: boolean) =>
    ((await (await fetch(`${base}/events?camera=ev&hasClip=${hasClip}`)).json()) as { events: Array<{ id: string }> }).events.map(
      (e) => e.id,
    );
  assert.deepEqual(await ids(true), [event.id]);
  assert.deepEqual(await ids(false), [unrecorded.id]);

  const metrics = await createSiteMetrics(site).metrics();
  assert.match(metrics, /panoptes_recording_segments_deleted_total\{camera="ev",reason="not_kept"\} [1-9]/);
  assert.match(metrics, /panoptes_recording_segments_total\{camera="cont"\} [1-9]/);
});

test('recording goes on after the camera reconnects', async () => {
  const restartMs = Date.now();
  await rtsp.restart();
  await waitFor('cont back online', () => site.camera('cont')?.state === 'ONLINE' && site.camera('cont')?.reconnects !== 0, 60_000);
  await waitFor('a segment of cont recorded after the reconnect', () => segments('cont').some((s) => s.startMs > restartMs + 1000), 60_000);
  assert.equal(readFileSync(path.join(dir, 'clip.mp4')).length > 0, true);
});
