import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { demoEnv } from '../support/demo-env.ts';

const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;

function run(args: string[]): { status: number | null; lines: Array<Record<string, unknown>>; stdout: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...demoEnv() },
    timeout: 180_000,
  });
  const lines = result.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: result.status, lines, stdout: result.stdout };
}

test('the demo renders its scene clips, logs which native build and SIMD path loaded, then analyses its cameras', () => {
  const { status, lines } = run(['demo', '--duration', '4', '--fps', '10', '--size', '320x240', '--cameras', '3']);
  assert.equal(status, 0);
  const loaded = lines.find((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('native addon loaded'));
  assert.ok(loaded, 'a start-up line reports the addon');
  assert.match(String(loaded['addon']), /panoptes\.node$/);
  const finished = lines.find((l) => l['msg'] === 'demo finished');
  assert.ok(finished, 'the demo reports when it finishes');
  assert.equal(finished['cameras'], 3);
  const metrics = lines.filter((l) => l['msg'] === 'camera metrics');
  // Every camera analysed frames; how many in 4 s depends on the machine's load, not on the demo.
  assert.ok(
    metrics.every((m) => Number(m['framesAnalysed']) > 0),
    `frames analysed a camera: ${metrics.map((m) => m['framesAnalysed']).join(', ')}`,
  );
  assert.ok(Number(finished['frames']) >= 3, `frames analysed: ${String(finished['frames'])}`);
  assert.deepEqual([...new Set(metrics.map((m) => m['camera']))].sort(), ['entrance', 'lobby', 'plaza']);
  const clips = lines.find((l) => l['msg'] === 'demo clips ready');
  assert.deepEqual(clips?.['scenes'], ['crossing', 'pair', 'stop'], 'the clips of the three cameras are rendered or reused');
  assert.ok(
    metrics.every((m) => m['state'] === 'ONLINE'),
    'every demo camera is online',
  );
  assert.ok(
    lines.some((l) => String(l['msg']).startsWith('camera ONLINE')),
    'lifecycle transitions are logged',
  );
});

test('an unknown command prints the usage and exits non-zero', () => {
  const { status, stdout } = run(['no-such-command']);
  assert.equal(status, 1);
  assert.equal(stdout, '');
});

test('a malformed --size is refused with a message naming the flag', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, 'demo', '--size', 'big'], {
    encoding: 'utf8',
    env: { ...process.env, PANOPTES_LOG_FORMAT: 'json' },
    timeout: 30_000,
  });
  assert.equal(result.status, 1);
  assert.match(result.stdout + result.stderr, /--size must look like 640x360/);
});
