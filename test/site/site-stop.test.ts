/**
 * Requests while the site stops: a recording camera on the GStreamer RTSP server, stored events, and
 * clients asking for events, tracks, pictures and clips in a loop while Site.stop() closes ingest,
 * recordings, uploads and the database behind the still-open HTTP server (the order a SIGTERM takes,
 * src/cli/run-site.ts). Every answer is a success, a 404 or a 503 E_STOPPING with Retry-After; none is
 * a 500, and nothing rejects unhandled.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { DetectionEvent } from '../../src/analytics/events.ts';
import { startRtspServer, type RtspServer } from '../support/rtsp-server.ts';
import { type StorageSite, startStorageSite } from '../support/storage-site.ts';
import { waitFor } from '../support/wait.ts';

const LOOPS = 4;
/** Requests each loop still sends after stop() returned (the database is closed by then). */
const AFTER_STOP = 6;

let rtsp: RtspServer;
let running: StorageSite;
const logLines: string[] = [];
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

before(async () => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onRejection);
  rtsp = await startRtspServer({ mounts: 1, width: 320, height: 180, fps: 10, keyInterval: 10, pattern: 'smpte' });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  running = await startStorageSite({
    recordingsPrefix: 'panoptes-stop-rec-',
    config: `
gateway: { workers: 1 }
inference: { backend: { type: motion }, pool: { threads: 1 } }
cameras:
  - id: cam
    channel: 1
    streams: { primary: "${rtsp.url(0)}" }
    ai: { fps: 5, width: 320, height: 180, format: gray }
    recording: { mode: continuous, segmentSeconds: 1 }
`,
    site: { storage: { writes: { flushIntervalMs: 20 } } },
    logger: pino({ level: 'warn' }, sink),
  });
});

after(async () => {
  await running?.stop();
  await rtsp?.stop();
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onRejection);
});

interface Answer {
  url: string;
  status: number;
  code: string | null;
  retryAfter: string | null;
}

async function ask(url: string): Promise<Answer> {
  const response = await fetch(url);
  const body = Buffer.from(await response.arrayBuffer());
  let code: string | null = null;
  if (response.headers.get('content-type')?.startsWith('application/json') && response.status >= 400)
    code = (JSON.parse(body.toString('utf8')) as { error: { code: string } }).error.code;
  return { url, status: response.status, code, retryAfter: response.headers.get('retry-after') };
}

test('requests for events, tracks, pictures and clips while the site stops get answers or 503 E_STOPPING, never a 500', async () => {
  const { site, base } = running;
  const filed = () => site.recordingsNow()?.recorders()[0]?.segments ?? 0;
  await waitFor('three segments filed', () => filed() >= 3, 90_000);
  const ids: string[] = [];
  for (let n = 0; n < 5; n++) {
    const startMs = Date.now() - 2500 + n * 100;
    const event: DetectionEvent = {
      id: `${startMs}-stop${n}`,
      camera: 'cam',
      label: 'person',
      score: 0.9,
      box: { x: 0, y: 0, width: 10, height: 10 },
      trackId: n,
      startMs,
      endMs: null,
      bestShot: null,
      zones: [],
      face: null,
    };
    site.bus.publish({ type: 'start', event });
    site.bus.publish({ type: 'end', event: { ...event, endMs: startMs + 1000 } });
    ids.push(event.id);
  }
  await waitFor('the events stored', async () => (await ask(`${base}/events/${ids[4]}`)).status === 200);
  const segment = site.recordingsNow()?.store.segments('cam')[1];
  assert.ok(segment, 'a segment to cut clips from');
  const urls = ids.flatMap((id) => [
    `${base}/events?camera=cam&limit=3`,
    `${base}/events/${id}`,
    `${base}/events/${id}/snapshot.jpg`,
    `${base}/events/${id}/clip.mp4`,
    `${base}/cameras/cam/tracks`,
    `${base}/cameras/cam/clip.mp4?start=${segment.startMs}&end=${segment.endMs}`,
  ]);

  const answers: Answer[] = [];
  let stopped = false;
  const loop = async (offset: number) => {
    let late = 0;
    for (let i = offset; late < AFTER_STOP; i++) {
      if (stopped) late++;
      answers.push(await ask(urls[i % urls.length] as string));
    }
  };
  const loops = Array.from({ length: LOOPS }, (_, i) => loop(i * 7));
  // Some answers from the running site first, so the loops are under way when the stop begins.
  await waitFor('answers from the running site', () => answers.length >= urls.length);
  await site.stop();
  stopped = true;
  await Promise.all(loops);

  const bad = answers.filter(
    (a) => !(a.status === 200 || a.status === 404 || (a.status === 503 && a.code === 'E_STOPPING' && a.retryAfter !== null)),
  );
  assert.deepEqual(bad, [], `every answer is 200, 404 or 503 E_STOPPING with Retry-After; the log:\n${logLines.join('')}`);
  assert.ok(
    answers.some((a) => a.status === 200 && a.url.includes('/clip.mp4')),
    'clips were served before the stop',
  );
  const refused = answers.filter((a) => a.status === 503);
  assert.ok(refused.length >= LOOPS * AFTER_STOP, `requests after the stop are refused (${refused.length} 503s)`);
  assert.deepEqual(rejections, [], 'no unhandled rejection or uncaught exception');
  assert.deepEqual(
    logLines.filter((line) => /api request failed|unhandled/i.test(line)),
    [],
    'no request failed inside the gateway',
  );
});
