import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { Site } from '../../src/site/site.ts';
import { waitFor } from '../support/wait.ts';
import { storageYaml } from '../support/storage-dir.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'panoptes-rundir-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const config = (runDir: string) =>
  parseConfig(
    `
gateway: { workers: 1, runDir: ${JSON.stringify(runDir)} }
${storageYaml()}
inference: { pool: { threads: 1 } }
cameras:
  - { id: gate, channel: 1, streams: { primary: "lavfi:testsrc2=size=160x90:rate=5" }, ai: { fps: 5, width: 160, height: 90, format: gray } }
`,
    { env: {} },
  );
const start = (runDir: string) => Site.start(config(runDir), { ffmpeg: resolveFfmpeg(), logger: pino({ level: 'silent' }) });

test('gateway.runDir holds the camera FIFOs in a private directory of the run, made when missing and removed on stop', async () => {
  const runDir = path.join(scratch, 'run', 'panoptes');
  const site = await start(runDir);
  try {
    await waitFor('gate online', () => site.camera('gate')?.state === 'ONLINE', 20_000);
    const [own, ...others] = readdirSync(runDir);
    assert.deepEqual(others, [], 'one directory for this run');
    assert.match(own ?? '', /^panoptes-/);
    const fifo = path.join(runDir, own as string, 'gate.fifo');
    assert.ok(statSync(fifo).isFIFO(), 'the camera FIFO is inside it');
  } finally {
    await site.stop();
  }
  assert.deepEqual(readdirSync(runDir), [], 'the run removes its own directory and leaves the configured one');
});

test('a runDir that cannot be made is a config error naming the key', async () => {
  const file = path.join(scratch, 'not-a-directory');
  writeFileSync(file, '');
  await assert.rejects(start(path.join(file, 'run')), (err: Error & { code?: string; problems?: string[] }) => {
    assert.equal(err.code, 'E_CONFIG_INVALID');
    assert.match(
      err.problems?.[0] ?? '',
      /^gateway\.runDir: cannot make a directory in '.*not-a-directory\/run' \(ENOTDIR\); give a directory this user can write, or remove the key$/,
    );
    return true;
  });
  assert.equal(existsSync(path.join(file, 'run')), false);
});
