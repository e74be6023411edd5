import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

// `panoptes start` with a config it must refuse: it exits 1 with one coded line, instead of a stack
// trace or (a directory under /proc) spinning for ever.
const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-refusals-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function start(
  name: string,
  yaml: string,
  args: string[] = [],
): { status: number | null; lines: Array<Record<string, unknown>>; text: string } {
  const file = path.join(dir, name);
  writeFileSync(file, yaml);
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, 'start', '--config', file, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env['PATH'],
      PANOPTES_LOG_FORMAT: 'json',
      PANOPTES_HTTP_PORT: '0',
      PANOPTES_MQTT_EMBEDDED_PORT: '0',
      PANOPTES_STORAGE_DIR: path.join(dir, 'storage'),
    },
  });
  const text = result.stdout + result.stderr;
  const lines = text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: result.status, lines, text };
}

test('an outbox directory under /proc is refused at start with E_DIRECTORY_UNUSABLE naming the setting', () => {
  const { status, lines, text } = start('proc.yaml', 'mqtt: {outbox: {dir: /proc/panoptes-x/outbox}}\n');
  assert.equal(status, 1, text);
  const failure = lines.find((l) => l['code'] === 'E_DIRECTORY_UNUSABLE');
  assert.ok(failure, text);
  assert.match(
    String(failure['msg']),
    /^mqtt\.outbox\.dir \(\/proc\/panoptes-x\/outbox\) cannot be used: cannot create it \(E[A-Z]+\); set mqtt\.outbox\.dir to a directory/,
  );
  assert.ok(!text.includes('    at '), 'no stack trace');
});

test('gateway.runDir (camera FIFOs until 2026-12-07) is ignored with a warning, even one that cannot be made', () => {
  const started = start(
    'rundir.yaml',
    `mqtt: {outbox: {dir: ${path.join(dir, 'outbox2')}}}\ngateway: {runDir: /proc/self/panoptes-run}\n`,
    ['--duration', '1'],
  );
  assert.equal(started.status, 0, started.text);
  assert.ok(existsSync(path.join(dir, 'outbox2')), 'the directories in use are still made');
  assert.ok(
    started.lines.some((l) => /^gateway\.runDir is ignored/.test(String(l['msg']))),
    started.text,
  );
});

test('an alias bomb at start is one path: message problem with its code, never a stack', () => {
  const yaml = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i += 1)
    yaml.push(
      `l${i}: &l${i} [${Array(10)
        .fill(i === 1 ? '*a' : `*l${i - 1}`)
        .join(', ')}]`,
    );
  const { status, lines, text } = start('bomb.yaml', yaml.join('\n'));
  assert.equal(status, 1, text);
  const failure = lines.find((l) => l['code'] === 'E_CONFIG_INVALID');
  assert.match(String(failure?.['msg']), /\n {2}\(root\): YAML aliases \(\*name\) expand to more than 100 copies/);
  assert.ok(!text.includes('    at '), 'no stack trace');
});
