import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadUws, uws } from '../../../src/outputs/http/uws.ts';
import { startTestServer } from './test-server.ts';

test('the native uWebSockets.js build for this Node loads, and its version is known', () => {
  const loaded = uws();
  assert.match(loaded.file, new RegExp(`uws_${process.platform}_${process.arch}_${process.versions.modules}\\.node$`));
  assert.equal(typeof loaded.uws.App, 'function');
  assert.match(loaded.version, /^20\./);
});

test('a missing build fails with E_UWS_LOAD naming what was tried and the possible solutions', () => {
  const missing = path.join(tmpdir(), 'no-such-dir', 'uws_missing.node');
  assert.throws(
    () => loadUws({ PANOPTES_UWS: missing }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'E_UWS_LOAD');
      assert.ok(error.message.includes(`- ${missing}: not found`), error.message);
      assert.match(
        error.message,
        /\nPossible solutions:\n- Run a Node\.js this release ships binaries for: Node 16 \(ABI 93\), Node 18 \(ABI 108\), Node 20 \(ABI 115\)/,
      );
      assert.match(error.message, /glibc 2\.27 or newer/);
      return true;
    },
  );
});

test('a file that is not a loadable binary is reported with the loader error', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-uws-'));
  try {
    const broken = path.join(dir, 'uws_broken.node');
    writeFileSync(broken, 'not an ELF file');
    assert.throws(
      () => loadUws({ PANOPTES_UWS: broken }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'E_UWS_LOAD');
        assert.ok(error.message.includes(`- ${broken}: `), error.message);
        assert.doesNotMatch(error.message, /not found/);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the server logs which uWebSockets.js build it loaded', async () => {
  const t = await startTestServer();
  t.close();
  const line = t.logs.map((l) => JSON.parse(l) as { msg: string; file?: string }).find((l) => /native build loaded/.test(l.msg));
  assert.ok(line, t.logs.join(''));
  assert.match(line.msg, /^uWebSockets\.js 20\.\S+ native build loaded$/);
  assert.match(line.file ?? '', /\.node$/);
});

test('an open API (no tokens) listening beyond loopback is warned about at start, and on loopback it is not', async () => {
  const open = await startTestServer({ host: '0.0.0.0', tokens: [] });
  open.close();
  const warning = open.logs.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level === 40);
  assert.match(warning?.msg ?? '', /http\.tokens is empty/);
  const loopback = await startTestServer({ tokens: [] });
  loopback.close();
  assert.equal(loopback.logs.map((l) => JSON.parse(l) as { level: number }).filter((l) => l.level === 40).length, 0);
});
