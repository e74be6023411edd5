import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function check(file: string, env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  // Only PATH from the parent: the result must not depend on the machine's PANOPTES_* or secrets.
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, 'config', 'check', file], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('config check on the site example prints the camera count and warns about unset stream credentials', () => {
  const example = new URL('../../config/site-example.yaml', import.meta.url).pathname;
  // The example's outbox is under /var/lib: a user who may not create it there gets a warning, pinned below.
  const { status, stdout, stderr } = check(example, {
    API_TOKEN: 't',
    MQTT_PASSWORD: 'm',
    CAM_USER: 'u',
    CAM_PASS: 'p',
    PERIMETER_USER: 'u',
    PANOPTES_MQTT_OUTBOX_DIR: path.join(dir, 'outbox'),
  });
  assert.equal(status, 0, stderr);
  assert.equal(stdout, 'ok: 8 cameras (6 enabled)\n');
  assert.equal(stderr, 'warning: ${PERIMETER_PASS} is not set here; the stream URLs of perimeter-east read it when the camera starts\n');
});

test('config check on a bad file lists every problem and exits 1', () => {
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(
    file,
    [
      'http: {port: -1}',
      'cameras:',
      "  - {id: gate, channel: 1, streams: {primary: 'rtsp://10.0.0.1/main'}, ai: {fps: 0}}",
      "  - {id: gate, channel: 2, streams: {primary: 'gopher://10.0.0.2/'}}",
    ].join('\n'),
  );
  const { status, stdout, stderr } = check(file, { PANOPTES_HTTP_HOST: '0.0.0.0' });
  assert.equal(status, 1);
  assert.equal(stdout, '');
  assert.deepEqual(stderr.trimEnd().split('\n'), [
    `Invalid configuration in ${file} (4 problems; fix them, then check with \`panoptes config check FILE\`):`,
    '  http.port: expected a number >= 0',
    '  cameras[0].ai.fps: expected a number > 0',
    "  cameras[1].streams.primary: unsupported URL scheme 'gopher': expected rtsp://, rtsps://, http://, https://, file://, lavfi: or a file path",
    '  cameras[1].id: duplicate id "gate", also used by cameras[0]',
  ]);
});

test('config check without a file prints its usage and exits 1', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, 'config', 'check'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 1);
  assert.equal(result.stderr, 'Usage: panoptes config check FILE | panoptes config schema\n');
});

test('config check reports an alias bomb as one path: message problem, never a stack', () => {
  const file = path.join(dir, 'bomb.yaml');
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i += 1)
    lines.push(
      `l${i}: &l${i} [${Array(10)
        .fill(i === 1 ? '*a' : `*l${i - 1}`)
        .join(', ')}]`,
    );
  writeFileSync(file, lines.join('\n'));
  const { status, stdout, stderr } = check(file);
  assert.equal(status, 1);
  assert.equal(stdout, '');
  assert.deepEqual(stderr.trimEnd().split('\n'), [
    `Invalid configuration in ${file} (1 problem; fix them, then check with \`panoptes config check FILE\`):`,
    '  (root): YAML aliases (*name) expand to more than 100 copies of anchored values (a resource-exhaustion guard); write those values out or use fewer aliases',
  ]);
});

test('config check says .nan and .inf are not finite numbers', () => {
  const file = path.join(dir, 'nan.yaml');
  writeFileSync(
    file,
    [
      'http: {port: .nan}',
      'inference: {pool: {maxShare: -.inf}}',
      'cameras:',
      "  - {id: gate, channel: 1, streams: {primary: 'lavfi:testsrc'}, ai: {fps: .inf}}",
    ].join('\n'),
  );
  const { status, stderr } = check(file);
  assert.equal(status, 1);
  assert.deepEqual(stderr.trimEnd().split('\n').slice(1), [
    '  http.port: expected a finite number, received .nan',
    '  inference.pool.maxShare: expected a finite number, received -.inf',
    '  cameras[0].ai.fps: expected a finite number, received .inf',
  ]);
});

test('config check warns about a directory setting that cannot be created, without creating anything', () => {
  const file = path.join(dir, 'proc.yaml');
  writeFileSync(file, 'mqtt: {outbox: {dir: /proc/panoptes-outbox}}\n');
  const { status, stdout, stderr } = check(file);
  assert.equal(status, 0);
  assert.equal(stdout, 'ok: 0 cameras (0 enabled)\n');
  assert.match(
    stderr,
    /^warning: mqtt\.outbox\.dir: \/proc\/panoptes-outbox could not be created here \(cannot create files in \/proc \(E[A-Z]+\)\); start refuses it unless it can\n$/,
  );
});
