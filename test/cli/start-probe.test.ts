import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { demoEnv } from '../support/demo-env.ts';
import { waitFor } from '../support/wait.ts';

const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const camera = (id: string, channel: number): string =>
  `  - { id: ${id}, channel: ${channel}, streams: { primary: "lavfi:testsrc2=size=160x90:rate=5" }, ai: { width: 160, height: 90, fps: 5 } }\n`;

test('panoptes start runs a config file and SIGHUP applies an edited file without a restart', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'panoptes-start-')), 'site.yaml');
  writeFileSync(
    file,
    `gateway: { workers: 1 }\ninference: { backend: { type: motion }, pool: { threads: 1 } }\ncameras:\n${camera('one', 1)}`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'start', '--config', file], {
    env: { ...process.env, ...demoEnv() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const messages = (): Array<Record<string, unknown>> =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  try {
    await waitFor('running', () => messages().some((m) => m['msg'] === 'panoptes is running'), 60_000);
    writeFileSync(
      file,
      `gateway: { workers: 1 }\ninference: { backend: { type: motion }, pool: { threads: 1 } }\ncameras:\n${camera('one', 1)}${camera('two', 2)}`,
    );
    child.kill('SIGHUP');
    await waitFor('reloaded', () => messages().some((m) => m['msg'] === 'config reloaded'), 60_000);
    const reloaded = messages().find((m) => m['msg'] === 'config reloaded');
    assert.deepEqual([reloaded?.['added'], reloaded?.['removed'], reloaded?.['changed']], [1, 0, 0]);
    await waitFor(
      'the added camera online',
      () => messages().some((m) => m['camera'] === 'two' && String(m['msg']).startsWith('camera ONLINE')),
      60_000,
    );
    writeFileSync(file, 'cameras: [ { id: 1 } ]');
    child.kill('SIGHUP');
    await waitFor(
      'a bad file is refused',
      () => messages().some((m) => m['msg'] === 'config reload failed; the running config is kept'),
      20_000,
    );
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

test('panoptes probe prints the codec, size and rate of a stream, and fails clearly for a dead one', () => {
  const ok = spawnSync(process.execPath, ['--import', 'tsx', cli, 'probe', 'lavfi:testsrc2=size=320x240:rate=10'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(ok.status, 0, ok.stderr);
  const info = JSON.parse(ok.stdout) as Record<string, unknown>;
  assert.equal(info['width'], 320);
  assert.equal(info['height'], 240);
  assert.equal(info['fps'], 10);
  const dead = spawnSync(process.execPath, ['--import', 'tsx', cli, 'probe', 'rtsp://user:hunter2@127.0.0.1:9/none'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PANOPTES_LOG_FORMAT: 'json' },
  });
  assert.equal(dead.status, 1);
  assert.match(dead.stdout + dead.stderr, /refused/i);
  assert.ok(!(dead.stdout + dead.stderr).includes('hunter2'), 'the password is masked');
});
