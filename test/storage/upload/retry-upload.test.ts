/**
 * Failed uploads queued again through the REST API, in a running site: the target (s3rver) refuses
 * every upload because the bucket does not exist; once the operator creates it, POST
 * /events/{id}/uploads/retry sends that event's, and POST /uploads/retry?state=failed every other.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { EventDetail } from '../../../src/outputs/site.ts';
import type { Site } from '../../../src/site/site.ts';
import { S3RVER_KEY, type S3rver, startS3rver } from '../../support/s3rver.ts';
import { type StorageSite, startStorageSite } from '../../support/storage-site.ts';
import { waitFor } from '../../support/wait.ts';
import { makeEvent, message } from '../events.ts';

const BUCKET = 'made-later';
let server: S3rver;
let running: StorageSite;
let site: Site;
let base: string;

before(async () => {
  // s3rver is told of another bucket, so `made-later` does not exist until the test creates it.
  server = await startS3rver('panoptes-other');
  const target = `{ type: s3, endpoint: "${server.endpoint}", bucket: ${BUCKET}, accessKeyId: ${S3RVER_KEY}, secretAccessKey: ${S3RVER_KEY}, forcePathStyle: true }`;
  running = await startStorageSite({
    storage: `upload: { enabled: true, target: ${target}, retry: { initialSeconds: 0.2, maxSeconds: 1 } }`,
    config: 'inference: { backend: { type: motion } }\ncameras: []',
    site: { storage: { writes: { flushIntervalMs: 20 } } },
  });
  ({ site, base } = running);
});

after(async () => {
  await running?.stop();
  await server?.dispose();
});

/** An ended event whose best-shot JPEG is written and queued, as the site's recorder does. */
function eventWithSnapshot(n: number): string {
  const event = makeEvent({ n, startMs: Date.now() - 5000 + n, endMs: Date.now(), jpeg: `gate/${n}` });
  site.storage.events.record(message('end', event));
  const reference = site.storage.snapshots.referenceFor(event.camera, event.id, event.startMs);
  mkdirSync(path.dirname(path.join(site.storage.snapshots.root, reference)), { recursive: true });
  writeFileSync(path.join(site.storage.snapshots.root, reference), randomBytes(2048));
  site.storage.events.setSnapshot(event.id, reference);
  site.uploader?.snapshotWritten(event.id, reference);
  return event.id;
}

const detail = async (id: string) => (await (await fetch(`${base}/events/${id}`)).json()) as EventDetail;
const post = (url: string) => fetch(url, { method: 'POST' });

test('failed uploads are queued again on request, for one event or for the site, and sent once the bucket exists', async () => {
  const ids = [eventWithSnapshot(1), eventWithSnapshot(2), eventWithSnapshot(3)];
  for (const id of ids) await waitFor(`the failure of ${id}`, async () => (await detail(id)).uploads[0]?.state === 'failed');
  assert.match((await detail(ids[0] as string)).uploads[0]?.lastError ?? '', /the bucket does not exist \(NoSuchBucket/);

  const client = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
  });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  client.destroy();

  const one = await post(`${base}/events/${ids[0]}/uploads/retry`);
  assert.equal(one.status, 200);
  const answer = (await one.json()) as { requeued: number; uploads: EventDetail['uploads'] };
  assert.equal(answer.requeued, 1);
  assert.notEqual(answer.uploads[0]?.state, 'failed');
  await waitFor('the retried upload', async () => (await detail(ids[0] as string)).uploads[0]?.state === 'done');
  assert.equal((await detail(ids[1] as string)).uploads[0]?.state, 'failed', 'only that event was queued again');

  const bad = await post(`${base}/uploads/retry?state=done`);
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(await bad.json()), /state: expected 'failed'/);
  const missing = await post(`${base}/events/no-such-event/uploads/retry`);
  assert.equal(missing.status, 404);

  const all = await post(`${base}/uploads/retry?state=failed`);
  assert.equal(all.status, 200);
  assert.deepEqual(await all.json(), { requeued: 2 });
  for (const id of ids.slice(1)) await waitFor(`the upload of ${id}`, async () => (await detail(id)).uploads[0]?.state === 'done');
  const [upload] = (await detail(ids[2] as string)).uploads;
  assert.equal(upload?.attempts, 1, 'counted from its first try again');
  assert.equal(upload?.remote?.startsWith(`s3://${BUCKET}/gate/`), true);
});
