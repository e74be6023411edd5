/**
 * A track running when the gateway is killed is kept: `panoptes start` with a camera whose object never
 * leaves (one track that runs as long as the camera does), its running track listed by the REST API
 * as running and updated as it goes, then kill -9; the next start lists it closed at the last commit
 * before the kill (endReason restart), with its first and last times.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { StoredTrack, TrackPage } from '../../src/outputs/site.ts';
import { DATABASE_FILE } from '../../src/storage/storage.ts';
import { kill9, startGateway, stopGateway, writeSweepingBoxSite } from '../support/gateway-process.ts';
import { scratchStorageDir } from '../support/storage-dir.ts';
import { waitFor } from '../support/wait.ts';

async function tracksOf(api: string): Promise<StoredTrack[]> {
  const answer = await fetch(`${api}/cameras/yard/tracks?order=asc&limit=1000`);
  assert.equal(answer.status, 200);
  return ((await answer.json()) as TrackPage).tracks;
}

test('a track running at kill -9 is listed running before it, and after the restart closed at the last commit with its first and last times', async () => {
  const dir = scratchStorageDir();
  const configFile = writeSweepingBoxSite(dir);

  const first = await startGateway(configFile);
  let seen: StoredTrack | undefined;
  let killedMs = 0;
  try {
    // Running, then updated as it goes: a later read shows it seen later, still one row, still running.
    let running: StoredTrack | undefined;
    await waitFor('a running track of yard listed', async () => {
      running = (await tracksOf(first.api)).find((t) => t.running);
      return running !== undefined;
    });
    const firstSeen = running as StoredTrack;
    assert.equal(firstSeen.endReason, undefined);
    await waitFor('the running track seen 2 s later', async () => {
      seen = (await tracksOf(first.api)).find((t) => t.trackId === firstSeen.trackId && t.firstSeenMs === firstSeen.firstSeenMs);
      return seen !== undefined && seen.lastSeenMs >= firstSeen.firstSeenMs + 2000;
    });
    assert.equal(seen?.running, true);
    assert.equal(seen?.label, 'motion');
  } finally {
    await kill9(first);
    killedMs = Date.now();
  }
  const track = seen as StoredTrack;

  const second = await startGateway(configFile);
  try {
    const after = await tracksOf(second.api);
    const kept = after.find((t) => t.trackId === track.trackId && t.firstSeenMs === track.firstSeenMs);
    assert.ok(kept, `the track running at the kill is listed after the restart: ${JSON.stringify(after)}`);
    assert.equal(kept.running, false);
    assert.equal(kept.endReason, 'restart');
    assert.equal(kept.camera, 'yard');
    assert.equal(kept.label, 'motion');
    assert.equal(kept.firstSeenMs, track.firstSeenMs);
    assert.ok(
      kept.lastSeenMs >= track.lastSeenMs && kept.lastSeenMs <= killedMs,
      `last seen ${kept.lastSeenMs}: at or after ${track.lastSeenMs} (read before the kill), at or before the kill ${killedMs}`,
    );
    assert.ok(
      after.filter((t) => t.firstSeenMs < killedMs).every((t) => !t.running),
      'no track of the killed run is left running',
    );
    assert.ok(
      second.log.some((l) => /"interruptedTracksEnded":[1-9]/.test(l)),
      'the start-up closed it',
    );
  } finally {
    await stopGateway(second);
  }
  // A stop (SIGTERM) ends its tracks itself: none is left for the next start to close.
  const db = new Database(path.join(dir, 'storage', DATABASE_FILE), { readonly: true });
  try {
    const left = db.prepare('SELECT count(*) AS n FROM tracks WHERE end_reason IS NULL').get() as { n: number };
    assert.equal(left.n, 0, 'tracks left running by a stop');
  } finally {
    db.close();
  }
});
