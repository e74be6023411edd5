import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { Site } from '../../src/site/site.ts';
import { waitFor } from '../support/wait.ts';
import { storageYaml } from '../support/storage-dir.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'panoptes-rundir-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('gateway.runDir (FIFOs until 2026-12-07) still loads, is ignored with a warning, and the camera streams through a pipe', async () => {
  const runDir = path.join(scratch, 'run', 'panoptes');
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const config = parseConfig(
    `
gateway: { workers: 1, runDir: ${JSON.stringify(runDir)} }
${storageYaml()}
inference: { pool: { threads: 1 } }
cameras:
  - { id: gate, channel: 1, streams: { primary: "lavfi:testsrc2=size=160x90:rate=5" }, ai: { fps: 5, width: 160, height: 90, format: gray } }
`,
    { env: {} },
  );
  const site = await Site.start(config, { ffmpeg: resolveFfmpeg(), logger: pino({ level: 'warn' }, sink) });
  try {
    await waitFor('gate online', () => site.camera('gate')?.state === 'ONLINE', 20_000);
    await waitFor('frames', () => (site.cameraMetrics('gate')?.framesIn ?? 0) >= 3, 20_000);
  } finally {
    await site.stop();
  }
  assert.equal(existsSync(runDir), false, 'nothing is made in it');
  assert.ok(
    lines.some((l) => /gateway\.runDir is ignored/.test(l)),
    `a warning names the key: ${lines.join('')}`,
  );
});
