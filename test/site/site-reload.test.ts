import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { CameraConfig } from '../../src/config/camera-schema.ts';
import { parseConfig } from '../../src/config/load.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { Site } from '../../src/site/site.ts';
import { waitFor } from '../support/wait.ts';
import { storageYaml } from '../support/storage-dir.ts';

const camera = (id: string, channel: number, fps: number): string => `
  - id: ${id}
    channel: ${channel}
    streams: { primary: "lavfi:testsrc2=size=160x90:rate=${fps}" }
    ai: { fps: ${fps}, width: 160, height: 90, format: gray }`;
const storage = storageYaml();
const config = (...cameras: string[]): string => `
gateway: { workers: 1 }
${storage}
inference: { backend: { type: motion }, pool: { threads: 1 } }
cameras:${cameras.join('')}
`;

let site: Site;
const online = (id: string): boolean => site.camera(id)?.state === 'ONLINE';

before(async () => {
  site = await Site.start(parseConfig(config(camera('a', 1, 5), camera('b', 2, 5)), { env: {} }), {
    ffmpeg: resolveFfmpeg(),
    logger: pino({ level: 'silent' }),
  });
  await waitFor('both cameras online', () => online('a') && online('b'), 60_000);
});
after(async () => {
  await site.stop();
});

test('a reload restarts only the changed camera, adds the new one and leaves the others running', async () => {
  const a = site.gateway.camera('a')?.actor;
  const b = site.gateway.camera('b')?.actor;
  const framesA = a?.frames ?? 0;
  const summary = await site.reload(parseConfig(config(camera('a', 1, 5), camera('b', 2, 4), camera('c', 3, 5)), { env: {} }));
  assert.deepEqual(summary, { added: 1, removed: 0, changed: 1 });
  assert.equal(site.gateway.camera('a')?.actor, a, 'the unchanged camera keeps its ffmpeg and actor');
  assert.notEqual(site.gateway.camera('b')?.actor, b, 'the changed camera was restarted');
  assert.equal(a?.reconnects, 0);
  await waitFor('the new and the changed camera come online', () => online('b') && online('c'), 60_000);
  assert.ok((a?.frames ?? 0) > framesA, 'the unchanged camera kept streaming');
  assert.equal(site.camera('b')?.state, 'ONLINE');
});

test('a reload without a camera removes it, and an API change to one camera leaves the others alone', async () => {
  const a = site.gateway.camera('a')?.actor;
  const summary = await site.reload(parseConfig(config(camera('a', 1, 5), camera('b', 2, 4)), { env: {} }));
  assert.deepEqual(summary, { added: 0, removed: 1, changed: 0 });
  assert.equal(site.camera('c'), undefined);
  await site.updateCamera('b', {
    channel: 2,
    streams: { primary: 'lavfi:testsrc2=size=160x90:rate=5' },
    ai: { fps: 5, width: 160, height: 90, format: 'gray' },
  });
  assert.equal(site.gateway.camera('a')?.actor, a);
  await assert.rejects(site.updateCamera('nope', {}), { code: 'E_CAMERA_NOT_FOUND' });
  await assert.rejects(site.addCamera({ id: 'dup', channel: 1, streams: { primary: 'lavfi:testsrc2' } }), { code: 'E_CAMERA_EXISTS' });
  await assert.rejects(
    site.addCamera({ id: 'bad', channel: 'x' }),
    (err: { code: string; problems: string[] }) => err.code === 'E_CONFIG_INVALID' && err.problems.some((p) => p.startsWith('channel:')),
  );
});

const entryOf = (channel: number, fps: number, extra: Record<string, unknown> = {}) => ({
  channel,
  streams: { primary: `lavfi:testsrc2=size=160x90:rate=${fps}` },
  ai: { fps, width: 160, height: 90, format: 'gray' },
  ...extra,
});
const analysed = (id: string): number => site.cameraMetrics(id)?.framesAnalysed ?? 0;

test("a motion threshold change through the API keeps the camera's ffmpeg running and takes effect", async () => {
  await waitFor('a online', () => online('a'), 20_000);
  await waitFor('the moving pattern gives candidates', () => (site.cameraMetrics('a')?.candidates ?? 0) > 0, 20_000);
  const actor = site.gateway.camera('a')?.actor;
  const pid = actor?.pid;
  assert.ok(pid);
  // No luma difference exceeds 255, so at this threshold no pixel counts as changed.
  await site.updateCamera('a', entryOf(1, 5, { motion: { threshold: 255 } }));
  assert.equal(site.gateway.camera('a')?.actor, actor, 'the same actor');
  assert.equal(actor?.pid, pid, 'the same ffmpeg process');
  assert.equal((site.cameraConfig('a') as { motion: { threshold: number } }).motion.threshold, 255);
  const candidates = site.cameraMetrics('a')?.candidates;
  const from = analysed('a');
  await waitFor('frames analysed with the new threshold', () => analysed('a') >= from + 10, 20_000);
  assert.equal(site.cameraMetrics('a')?.candidates, candidates, 'no candidates at threshold 255');
  assert.equal(site.cameraMetrics('a')?.motionRatio, 0);
  assert.equal(actor?.pid, pid, 'ffmpeg never restarted');
  assert.equal(actor?.reconnects, 0);
});

test('a reload that changes only analysis settings keeps ffmpeg; one that changes the stream restarts it', async () => {
  const actor = site.gateway.camera('a')?.actor;
  const pid = actor?.pid;
  const withThreshold = (threshold: number, fps: number) => `
  - id: a
    channel: 1
    streams: { primary: "lavfi:testsrc2=size=160x90:rate=${fps}" }
    ai: { fps: ${fps}, width: 160, height: 90, format: gray }
    motion: { threshold: ${threshold} }`;
  // b as the API left it in an earlier test: unchanged.
  const summary = await site.reload(parseConfig(config(withThreshold(30, 5), camera('b', 2, 5)), { env: {} }));
  assert.deepEqual(summary, { added: 0, removed: 0, changed: 1 });
  assert.equal(site.gateway.camera('a')?.actor.pid, pid, 'an analysis change keeps ffmpeg');
  await site.reload(parseConfig(config(withThreshold(30, 4), camera('b', 2, 5)), { env: {} }));
  assert.notEqual(site.gateway.camera('a')?.actor, actor, 'a stream change restarts the camera');
  await waitFor('a online again', () => online('a'), 20_000);
  assert.notEqual(site.gateway.camera('a')?.actor.pid, pid);
});

test('alerts and tags change without a restart, and critical alerts follow the running config', async () => {
  const actor = site.gateway.camera('b')?.actor;
  const person = { camera: 'b', label: 'person' } as Parameters<Site['isCritical']>[0];
  assert.equal(site.isCritical(person), false);
  await site.updateCamera('b', entryOf(2, 5, { alerts: { critical: true, labels: ['person'] }, tags: ['gate'] }));
  assert.equal(site.gateway.camera('b')?.actor, actor, 'metadata only: the camera keeps running');
  assert.equal(site.isCritical(person), true);
  assert.equal(site.isCritical({ ...person, label: 'car' }), false);
  assert.deepEqual(site.camera('b')?.tags, ['gate']);
});

test('disabling a camera stops it, enabling starts it again, and a reload of the file undoes an API change', async () => {
  await site.setEnabled('b', false);
  assert.equal(site.gateway.camera('b'), undefined);
  assert.equal(site.camera('b')?.enabled, false);
  await site.setEnabled('b', true);
  await waitFor('b online again', () => online('b'), 20_000);
  const file = ['a', 'b'].map((id) => site.cameraConfig(id) as CameraConfig);
  await site.setEnabled('b', false);
  const summary = await site.reload({ ...parseConfig(config(camera('a', 1, 5)), { env: {} }), cameras: file });
  assert.deepEqual(summary, { added: 0, removed: 0, changed: 1 }, 'the file enables b again; a is as the file says');
  await waitFor('b online after the reload', () => online('b'), 20_000);
  await assert.rejects(site.updateCamera('b', entryOf(1, 5)), { code: 'E_CAMERA_EXISTS' });
});
