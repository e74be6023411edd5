import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startCorruptingProxy } from '../../support/corrupting-proxy.ts';
import { S3RVER_KEY, type S3rver, startS3rver } from '../../support/s3rver.ts';
import { waitFor } from '../../support/wait.ts';
import { uploadConfig, UploadSite } from './fixture.ts';

const BUCKET = 'panoptes-test';
const SECRET = 'sekrit-Q7xv2-do-not-print';
const KEY_ID = 'AKIA-unknown-Z3k9';
let server: S3rver;

before(async () => {
  server = await startS3rver(BUCKET);
});
after(async () => {
  await server.dispose();
});

function target(extra: Record<string, unknown> = {}, endpoint = server.endpoint) {
  return {
    type: 's3',
    endpoint,
    bucket: BUCKET,
    prefix: 'site-a/',
    accessKeyId: S3RVER_KEY,
    secretAccessKey: S3RVER_KEY,
    forcePathStyle: true,
    ...extra,
  };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The object as the server stores it, read with a client of the test's own. */
async function stored(remote: string): Promise<Buffer> {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(remote) ?? [];
  const client = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
  });
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from(await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  client.destroy();
  return bytes;
}

function uploadsOf(site: UploadSite, id: string) {
  return site.uploader?.uploadsOf(id) ?? [];
}

test('a snapshot and a full frame are uploaded under <prefix><camera>/<day>/<event>.jpg and .frame.jpg, read back to verify their SHA-256, and the event shows both done', async () => {
  const site = new UploadSite();
  try {
    await site.startUploader(uploadConfig(target()));
    const { id, file, frameFile } = await site.eventWithPictures(200_000, 300_000);
    await waitFor('both uploads', () => uploadsOf(site, id).length === 2 && uploadsOf(site, id).every((u) => u.state === 'done'));
    const [upload, frame] = uploadsOf(site, id);
    const day = new Date(Number(id.split('-')[0])).toISOString().slice(0, 10);
    assert.equal(upload?.kind, 'snapshot');
    assert.equal(upload?.remote, `s3://${BUCKET}/site-a/gate/${day}/${id}.jpg`);
    assert.equal(upload?.attempts, 1);
    assert.equal(upload?.sha256, sha256(readFileSync(file)));
    assert.deepEqual(await stored(upload?.remote as string), readFileSync(file));
    assert.equal(frame?.kind, 'frame');
    assert.equal(frame?.remote, `s3://${BUCKET}/site-a/gate/${day}/${id}.frame.jpg`);
    assert.equal(frame?.attempts, 1);
    assert.equal(frame?.sha256, sha256(readFileSync(frameFile)));
    assert.deepEqual(await stored(frame?.remote as string), readFileSync(frameFile), 'the stored full frame is the file on disk');
    assert.deepEqual(site.uploader?.stats.uploaded, { snapshot: 1, frame: 1, clip: 0 });
    // s3rver answers no SHA-256 checksum, with the PUT or to HeadObject: both objects were read back.
    assert.deepEqual(site.uploader?.stats.verified, { 'sha256-response': 0, 'sha256-head': 0, 'sha256-read-back': 2 });
    assert.equal(site.log.filter((line) => line.includes('"verifiedBy":"sha256-read-back"')).length, 2);
  } finally {
    await site.close();
  }
});

test('an object read back with one byte flipped is never marked done: each try fails on its SHA-256, is retried with backoff and counted, the reason on the upload, until the bytes read back are the file', async () => {
  const proxy = await startCorruptingProxy(server.endpoint);
  const site = new UploadSite();
  try {
    proxy.corrupt = 'get-body';
    await site.startUploader(uploadConfig(target({}, proxy.endpoint)));
    const { id, file } = await site.eventWithSnapshot(300_000);
    await waitFor('two failed tries', () => (site.uploader?.stats.retries.snapshot ?? 0) >= 2);
    const [failing] = uploadsOf(site, id);
    assert.notEqual(failing?.state, 'done');
    assert.ok((failing?.attempts ?? 0) >= 2, `attempts ${failing?.attempts}`);
    assert.match(failing?.lastError ?? '', /the copy read back has SHA-256 \S+, the file has \S+; sent again/);
    assert.ok(proxy.corrupted >= 2 && (proxy.requests['GET'] ?? 0) >= 2, 'each try read the object back');
    assert.equal(site.uploader?.stats.uploaded.snapshot, 0);
    assert.ok(site.log.some((line) => line.includes('upload failed; retrying') && line.includes('read back has SHA-256')));

    proxy.corrupt = 'none';
    await waitFor('the upload once the copy reads back whole', () => uploadsOf(site, id)[0]?.state === 'done');
    assert.equal(site.uploader?.stats.verified['sha256-read-back'], 1);
    assert.equal(sha256(await stored(uploadsOf(site, id)[0]?.remote as string)), sha256(readFileSync(file)));
  } finally {
    await site.close();
    await proxy.close();
  }
});

test('an object stored with one byte flipped on its way in is detected by its read-back SHA-256 and sent again until it is stored whole', async () => {
  const proxy = await startCorruptingProxy(server.endpoint);
  const site = new UploadSite();
  try {
    proxy.corrupt = 'put-body';
    await site.startUploader(uploadConfig(target({}, proxy.endpoint)));
    const { id, file } = await site.eventWithSnapshot(300_000);
    await waitFor('a failed try', () => (site.uploader?.stats.retries.snapshot ?? 0) >= 1);
    assert.notEqual(uploadsOf(site, id)[0]?.state, 'done');
    assert.ok(proxy.corrupted >= 1);
    const remote = `s3://${BUCKET}/site-a/gate/${new Date(Number(id.split('-')[0])).toISOString().slice(0, 10)}/${id}.jpg`;
    assert.notEqual(sha256(await stored(remote)), sha256(readFileSync(file)), 'the server stored other bytes');
    assert.match(uploadsOf(site, id)[0]?.lastError ?? '', /SHA-256/);

    proxy.corrupt = 'none';
    await waitFor('the upload once the body arrives whole', () => uploadsOf(site, id)[0]?.state === 'done');
    assert.equal(sha256(await stored(remote)), sha256(readFileSync(file)));
  } finally {
    await site.close();
    await proxy.close();
  }
});

test('the server killed mid-upload of a large file: the try fails, is retried with backoff, and completes once the server is back', async () => {
  const site = new UploadSite();
  try {
    await site.startUploader(uploadConfig(target()));
    const readBefore = server.bytesRead();
    const { id, file } = await site.eventWithSnapshot(96 * 1024 * 1024);
    // Frozen once it has taken in 4 MiB of the body, then killed: the upload is cut mid-body on any machine.
    await waitFor('the server to receive part of the body', () => server.bytesRead() - readBefore > 4 * 1024 * 1024, 60_000, 5);
    server.pause();
    await server.kill();
    await waitFor('a retry to be scheduled', () => (site.uploader?.stats.retries.snapshot ?? 0) >= 1);
    assert.equal(uploadsOf(site, id)[0]?.state === 'done', false);
    await server.start();
    await waitFor('the upload to complete after the restart', () => uploadsOf(site, id)[0]?.state === 'done', 120_000);
    const [upload] = uploadsOf(site, id);
    assert.ok((upload?.attempts ?? 0) >= 2, `attempts ${upload?.attempts}`);
    assert.equal(sha256(await stored(upload?.remote as string)), sha256(readFileSync(file)));
  } finally {
    await site.close();
  }
});

test('a gateway restart resumes the queue: a row left uploading by a crash and a row waiting for its retry are both sent', async () => {
  const first = new UploadSite();
  await first.startUploader(uploadConfig(target()));
  // The server frozen: the first upload hangs mid-request (state uploading) ...
  server.pause();
  const hung = await first.eventWithSnapshot(50_000);
  await waitFor('the first upload to be in flight', () => uploadsOf(first, hung.id)[0]?.state === 'uploading');
  // ... the process "dies": the database is closed under the in-flight upload, which stays `uploading` in the file.
  await first.storage.close();
  await first.uploader?.stop();
  await server.kill();
  // A second run while the server is down: its upload fails and waits for a retry.
  const second = new UploadSite(first.dir);
  await second.startUploader(uploadConfig(target()));
  const waiting = await second.eventWithSnapshot(50_000);
  try {
    await waitFor(
      'a failed try of the new upload',
      () => (uploadsOf(second, waiting.id)[0]?.attempts ?? 0) >= 1 && uploadsOf(second, waiting.id)[0]?.state === 'pending',
    );
    assert.match(uploadsOf(second, waiting.id)[0]?.lastError ?? '', /ECONNREFUSED/);
  } finally {
    await second.close();
    await server.start();
  }
  const third = new UploadSite(first.dir);
  try {
    await third.startUploader(uploadConfig(target()));
    for (const { id, file } of [hung, waiting]) {
      await waitFor(`the upload of ${id}`, () => uploadsOf(third, id)[0]?.state === 'done');
      assert.equal(sha256(await stored(uploadsOf(third, id)[0]?.remote as string)), sha256(readFileSync(file)));
    }
  } finally {
    await third.close();
  }
});

// s3rver checks the access key id of a V4 signature, not the signature itself: the wrong key is the id.
test('refused credentials mark the upload failed at once, naming the settings, and the secrets appear in no log line, API answer or error', async () => {
  const site = new UploadSite();
  try {
    await site.startUploader(uploadConfig(target({ accessKeyId: KEY_ID, secretAccessKey: SECRET })));
    const { id } = await site.eventWithSnapshot();
    await waitFor('the failure', () => uploadsOf(site, id)[0]?.state === 'failed');
    const [upload] = uploadsOf(site, id);
    assert.equal(upload?.attempts, 1, 'not retried: another try cannot help');
    assert.match(upload?.lastError ?? '', /refused the credentials \(InvalidAccessKeyId, HTTP 403\)/);
    assert.match(upload?.lastError ?? '', /storage\.upload\.target\.secretAccessKey/);
    assert.equal(site.uploader?.stats.failed.snapshot, 1);
    const shown = JSON.stringify({ upload: uploadsOf(site, id), stats: site.uploader?.stats, log: site.log });
    assert.ok(!shown.includes(SECRET), 'the secret access key leaked');
    assert.ok(!shown.includes(KEY_ID), 'the access key id leaked');
    assert.ok(site.log.some((line) => line.includes('not retried')));
  } finally {
    await site.close();
  }
});

test('uploads refused for their credentials are sent after a restart with other credentials, not after one with the same; a lost file stays failed; no secret is stored', async () => {
  const site = new UploadSite();
  try {
    // A file gone before its upload: failed on this side, which no target change can help.
    const lost = await site.eventWithSnapshot(4096, false);
    rmSync(lost.file);
    const wrong = uploadConfig(target({ accessKeyId: KEY_ID, secretAccessKey: SECRET }));
    (await site.startUploader(wrong)).snapshotWritten(lost.id, lost.reference);
    const { id } = await site.eventWithSnapshot();
    await waitFor('both failures', () => uploadsOf(site, id)[0]?.state === 'failed' && uploadsOf(site, lost.id)[0]?.state === 'failed');
    assert.equal(site.row(id)?.['failure'], 'target');
    assert.equal(site.row(lost.id)?.['failure'], 'local');
    assert.match(String(site.row(id)?.['secrets_hash']), /^[0-9a-f]{64}$/);
    const stored = site.storedText();
    assert.ok(!stored.includes(SECRET) && !stored.includes(KEY_ID), 'a secret is stored in the database');
    assert.ok(!stored.includes(createHash('sha256').update(SECRET).digest('hex')), 'the secret is stored as its plain SHA-256');

    // The same settings again: another try could not help, so nothing is queued.
    await site.startUploader(wrong);
    assert.equal(uploadsOf(site, id)[0]?.state, 'failed');
    assert.equal(uploadsOf(site, id)[0]?.attempts, 1);

    // The key fixed: queued again from its first try, and sent; the lost file is not tried again.
    await site.startUploader(uploadConfig(target()));
    await waitFor('the upload under the fixed credentials', () => uploadsOf(site, id)[0]?.state === 'done');
    assert.equal(uploadsOf(site, id)[0]?.attempts, 1, 'counted from its first try again');
    assert.equal(uploadsOf(site, lost.id)[0]?.state, 'failed');
    assert.equal(uploadsOf(site, lost.id)[0]?.attempts, 1);
    assert.ok(site.log.some((line) => line.includes('"requeued":1') && line.includes('another target configuration')));
  } finally {
    await site.close();
  }
});
