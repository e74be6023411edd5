/**
 * kill -9 of a recording site: a real site in a child process records three RTSP cameras in 1 s
 * segments while events are published at 400 a second, and is SIGKILLed mid-stream, twice (the
 * second run starts on what the first left). After the restart every segment file on disk has its
 * row, every row its file, nothing is left in `.incoming`, and the database is sound; every event
 * has an end (those running at the kill are ended at restart) and the clip state its window and the
 * segments give: complete wherever segments reach the end of the post-roll.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { recordingsSchema } from '../../../src/config/recording-schema.ts';
import { clipState } from '../../../src/storage/recording/event-clips.ts';
import { Recordings } from '../../../src/storage/recording/recordings.ts';
import { Storage } from '../../../src/storage/storage.ts';
import { startRtspServer, type RtspServer } from '../../support/rtsp-server.ts';
import { waitFor } from '../../support/wait.ts';

const fixture = fileURLToPath(new URL('../fixtures/recording-site.ts', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'panoptes-kill-rec-'));
const storageDir = path.join(root, 'storage');
const recordingsDir = path.join(root, 'recordings');
let rtsp: RtspServer;

before(async () => {
  rtsp = await startRtspServer({ mounts: 3, width: 320, height: 180, fps: 10, keyInterval: 10, pattern: 'smpte' });
});
after(async () => {
  await rtsp?.stop();
  rmSync(root, { recursive: true, force: true });
});

function configFile(): string {
  const camera = (i: number) => `
  - id: cam${i}
    channel: ${i + 1}
    streams: { primary: "${rtsp.url(i)}" }
    ai: { fps: 2, width: 320, height: 180, format: gray }
    recording: { mode: continuous, segmentSeconds: 1, preRollSeconds: 1, postRollSeconds: 1 }`;
  const file = path.join(root, 'site.yaml');
  writeFileSync(
    file,
    `
gateway: { workers: 1 }
inference: { pool: { threads: 1 } }
storage: { dir: "${storageDir}" }
recordings: { dir: "${recordingsDir}", diskGuard: { minFreeMiB: 0, minFreePercent: 0 } }
cameras:${[0, 1, 2].map(camera).join('')}
`,
  );
  return file;
}

/** Every process below `pid` (ffmpeg runs under a parent-death wrapper). */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of rows)
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
  };
  walk(pid);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs the site until it has filed `segments` segments, SIGKILLs it `delayMs` later, and waits for its ffmpegs to go. */
async function recordUntilKilled(config: string, segments: number, delayMs: number, note: (text: string) => void): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, config], { stdio: ['ignore', 'pipe', 'inherit'] });
  let filed = 0;
  let killing = false;
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    for (const match of text.matchAll(/^filed (\d+)$/gm)) filed = Number(match[1]);
    for (const match of text.matchAll(/^reconciled (.*)$/gm)) note(`run's start-up reconciliation: ${match[1]}`);
    for (const match of text.matchAll(/^recovered (.*)$/gm)) note(`run's start-up recovery of events and clips: ${match[1]}`);
    if (filed >= segments && !killing) {
      killing = true;
      setTimeout(() => {
        const below = descendants(child.pid as number);
        child.kill('SIGKILL');
        void exited
          .then(() => waitFor('the killed site’s ffmpegs gone', () => below.every((pid) => !alive(pid)), 30_000))
          .then(() => child.emit('reaped'));
      }, delayMs);
    }
  });
  const reaped = new Promise<void>((resolve) => child.once('reaped', resolve));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the site filed ${filed} segments in 120 s, ${segments} expected`));
    }, 120_000);
  });
  const signal = await Promise.race([exited, deadline]).finally(() => clearTimeout(timer));
  assert.equal(signal, 'SIGKILL', 'the site ran until it was killed');
  await reaped;
  return filed;
}

/** Segment files under the recordings directory, relative to it (the clip cache aside). */
function filesOnDisk(): { segments: string[]; incoming: string[] } {
  const segments: string[] = [];
  const incoming: string[] = [];
  for (const camera of readdirSync(recordingsDir)) {
    if (camera.startsWith('.')) continue;
    for (const day of readdirSync(path.join(recordingsDir, camera))) {
      const files = readdirSync(path.join(recordingsDir, camera, day)).map((f) => `${camera}/${day}/${f}`);
      (day === '.incoming' ? incoming : segments).push(...files);
    }
  }
  return { segments: segments.sort(), incoming };
}

test('after kill -9 during heavy writing, a restart indexes or removes every segment file and the database is sound', async (t) => {
  const config = configFile();
  const note = (text: string) => t.diagnostic(text);
  const first = await recordUntilKilled(config, 24, 100, note);
  assert.ok(first >= 24);
  const second = await recordUntilKilled(config, 18, 300, note);
  assert.ok(second >= 18, 'the second run records on what the first one left');

  const log = pino({ level: 'silent' });
  const storage = Storage.open({ dir: storageDir, retention: { eventsDays: 30 } }, { logger: log });
  try {
    assert.equal(storage.events.integrity(), 'ok');
    assert.ok(storage.events.count() > 1000, `the events written before the kill are there (${storage.events.count()})`);
    const config = recordingsSchema.parse({ dir: recordingsDir, diskGuard: { minFreeMiB: 0, minFreePercent: 0 } });
    const recordings = await Recordings.start({
      config,
      ffmpegPath: 'ffmpeg',
      logger: log,
      index: storage.segments,
      events: storage.events,
      rollsOf: () => ({ preRollSeconds: 1, postRollSeconds: 1 }),
    });
    note(`final reconciliation: ${JSON.stringify(recordings.reconciled)}`);
    await recordings.stop();
    const { segments, incoming } = filesOnDisk();
    assert.deepEqual(incoming, [], 'unfinished segments are removed');
    assert.ok(segments.length >= 42, `both runs' segments are on disk (${segments.length})`);
    const rows = (storage.events.db.prepare('SELECT path FROM segments ORDER BY path').all() as Array<{ path: string }>).map((r) => r.path);
    assert.deepEqual(rows, segments, 'every file has its row and every row its file');
    assert.equal(storage.events.integrity(), 'ok');
    assert.ok(storage.events.query({ hasClip: true, limit: 1 }).events.length === 1, 'events of the recorded cameras have clips');

    // Clip states: what the recordings index says of each event's window, whatever the kills lost.
    note(`final recovery: ${storage.interrupted.length} running events ended, clips ${JSON.stringify(recordings.clipsRecovered)}`);
    assert.ok(storage.interrupted.length >= 3, 'the events running at the kill (one a camera) are ended at restart');
    const events = storage.events.db
      .prepare(
        `SELECT id, camera, start_ms AS startMs, end_ms AS endMs, clip, clip_to_ms AS toMs, data FROM events
         WHERE camera != 'elsewhere' ORDER BY start_ms`,
      )
      .all() as Array<{
      id: string;
      camera: string;
      startMs: number;
      endMs: number | null;
      clip: string | null;
      toMs: number | null;
      data: string;
    }>;
    const long = events.filter((e) => e.id.includes('-long-'));
    assert.equal(long.length, 6, 'one never-ending event a camera and run');
    let complete = 0;
    for (const e of events) {
      assert.notEqual(e.endMs, null, `event ${e.id} has an end`);
      const endMs = e.endMs as number;
      assert.equal((JSON.parse(e.data) as { endMs: number }).endMs, endMs, `event ${e.id} as the API shows it has the same end`);
      const window = { fromMs: e.startMs - 1000, toMs: endMs + 1000 };
      const expected = clipState(window, storage.segments.overlapping(e.camera, window.fromMs, window.toMs));
      assert.equal(e.clip, expected, `event ${e.id} (${e.camera}, ${e.startMs}-${endMs}) has the clip state its segments give`);
      if (expected !== null) assert.equal(e.toMs, window.toMs, `event ${e.id}'s clip window is closed at its end + post-roll`);
      if (expected === 'complete') complete++;
    }
    note(`${events.length} events of the recorded cameras, ${complete} with a complete clip`);
    assert.ok(complete >= 3, 'events whose post-roll was recorded have complete clips');
  } finally {
    await storage.close();
  }
});
