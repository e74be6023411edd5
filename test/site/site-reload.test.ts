import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { Site } from '../../src/site/site.ts';
import { waitFor } from '../support/wait.ts';

const camera = (id: string, channel: number, fps: number): string => `
  - id: ${id}
    channel: ${channel}
    streams: { primary: "lavfi:testsrc2=size=160x90:rate=${fps}" }
    ai: { fps: ${fps}, width: 160, height: 90, format: gray }`;
const config = (...cameras: string[]): string => `
gateway: { workers: 1 }
inference: { pool: { threads: 1 } }
cameras:${cameras.join('')}
`;

let site: Site;
const online = (id: string): boolean => site.camera(id)?.state === 'ONLINE';

before(async () => {
  site = await Site.start(parseConfig(config(camera('a', 1, 5), camera('b', 2, 5)), { env: {} }), {
    ffmpeg: resolveFfmpeg(), logger: pino({ level: 'silent' }),
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
  await site.updateCamera('b', { channel: 2, streams: { primary: 'lavfi:testsrc2=size=160x90:rate=5' }, ai: { fps: 5, width: 160, height: 90, format: 'gray' } });
  assert.equal(site.gateway.camera('a')?.actor, a);
  await assert.rejects(site.updateCamera('nope', {}), { code: 'E_CAMERA_NOT_FOUND' });
  await assert.rejects(site.addCamera({ id: 'dup', channel: 1, streams: { primary: 'lavfi:testsrc2' } }), { code: 'E_CAMERA_EXISTS' });
  await assert.rejects(site.addCamera({ id: 'bad', channel: 'x' }), (err: { code: string; problems: string[] }) =>
    err.code === 'E_CONFIG_INVALID' && err.problems.some((p) => p.startsWith('channel:')));
});
