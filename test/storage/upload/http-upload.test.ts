import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type NginxDav, startNginxDav } from '../../support/nginx-dav.ts';
import { waitFor } from '../../support/wait.ts';
import { uploadConfig, UploadSite } from './fixture.ts';

const TOKEN = 'tok-8fJq2-do-not-print';
let server: NginxDav;

before(async () => {
  server = await startNginxDav(TOKEN);
});
after(async () => {
  await server.dispose();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const target = (token = TOKEN) => ({ type: 'http', url: `${server.base}{key}?site=a`, token });
const uploadsOf = (site: UploadSite, id: string) => site.uploader?.uploadsOf(id) ?? [];

/** The file nginx wrote for a remote URL. */
function storedFile(remote: string): Buffer {
  return readFileSync(path.join(server.root, decodeURIComponent(new URL(remote).pathname)));
}

test('a snapshot and a full frame are PUT to the URL template with their digests, read back to verify their SHA-256, and the event shows the URLs', async () => {
  const site = new UploadSite();
  try {
    await site.startUploader(uploadConfig(target()));
    const { id, file, frameFile } = await site.eventWithPictures(300_000, 200_000);
    await waitFor('both uploads', () => uploadsOf(site, id).length === 2 && uploadsOf(site, id).every((u) => u.state === 'done'));
    const [upload, frame] = uploadsOf(site, id);
    const day = new Date(Number(id.split('-')[0])).toISOString().slice(0, 10);
    assert.equal(upload?.remote, `${server.base}gate/${day}/${encodeURIComponent(id)}.jpg`, 'the query string is not shown');
    assert.equal(sha256(storedFile(upload?.remote as string)), sha256(readFileSync(file)));
    assert.equal(frame?.kind, 'frame');
    assert.equal(frame?.remote, `${server.base}gate/${day}/${encodeURIComponent(id)}.frame.jpg`);
    assert.equal(frame?.sha256, sha256(readFileSync(frameFile)));
    assert.deepEqual(storedFile(frame?.remote as string), readFileSync(frameFile), 'the stored full frame is the file on disk');
    assert.ok(site.log.some((line) => line.includes('"verifiedBy":"sha256-read-back"')));
  } finally {
    await site.close();
  }
});

test('nginx killed mid-upload: the upload is retried with backoff and completes after nginx is restarted', async () => {
  const site = new UploadSite();
  try {
    await site.startUploader(uploadConfig(target()));
    const readBefore = server.bytesRead();
    const { id, file } = await site.eventWithSnapshot(96 * 1024 * 1024);
    await waitFor('nginx to receive part of the body', () => server.bytesRead() - readBefore > 4 * 1024 * 1024, 60_000, 5);
    server.pause();
    await server.kill();
    await waitFor('a retry to be scheduled', () => (site.uploader?.stats.retries.snapshot ?? 0) >= 1);
    await server.start();
    await waitFor('the upload to complete after the restart', () => uploadsOf(site, id)[0]?.state === 'done', 120_000);
    const [upload] = uploadsOf(site, id);
    assert.ok((upload?.attempts ?? 0) >= 2, `attempts ${upload?.attempts}`);
    assert.equal(sha256(storedFile(upload?.remote as string)), sha256(readFileSync(file)));
  } finally {
    await site.close();
  }
});

test('a wrong token fails the upload at once with the setting to fix, and the token is in no log line or API answer', async () => {
  const wrong = 'wrong-tok-3Kd9';
  const site = new UploadSite();
  try {
    await site.startUploader(uploadConfig(target(wrong)));
    const { id } = await site.eventWithSnapshot();
    await waitFor('the failure', () => uploadsOf(site, id)[0]?.state === 'failed');
    const [upload] = uploadsOf(site, id);
    assert.equal(upload?.attempts, 1);
    assert.match(
      upload?.lastError ?? '',
      /refused the credentials \(PUT answered HTTP 401 Unauthorized\): check storage\.upload\.target\.token/,
    );
    const shown = JSON.stringify({ upload: uploadsOf(site, id), log: site.log });
    assert.ok(!shown.includes(wrong) && !shown.includes(TOKEN), 'a token leaked');
  } finally {
    await site.close();
  }
});

test('an upload refused for its token is sent after a restart with the right token; the same token again leaves it failed', async () => {
  const wrong = 'wrong-tok-8Hs1';
  const site = new UploadSite();
  try {
    await site.startUploader(uploadConfig(target(wrong)));
    const { id, file } = await site.eventWithSnapshot();
    await waitFor('the failure', () => uploadsOf(site, id)[0]?.state === 'failed');
    assert.ok(!site.storedText().includes(wrong), 'the token is stored in the database');
    await site.startUploader(uploadConfig(target(wrong)));
    assert.equal(uploadsOf(site, id)[0]?.state, 'failed', 'the same token: not queued again');
    await site.startUploader(uploadConfig(target()));
    await waitFor('the upload with the right token', () => uploadsOf(site, id)[0]?.state === 'done');
    assert.equal(sha256(storedFile(uploadsOf(site, id)[0]?.remote as string)), sha256(readFileSync(file)));
  } finally {
    await site.close();
  }
});
