/**
 * The MQTT output on an outbox disk that fails for real (a tmpfs filled to ENOSPC, mounted read-only):
 * the gateway keeps running and every event still reaches a subscriber of the embedded broker.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src/outputs/mqtt/embedded-broker.ts';
import { OUTBOX_FILE } from '../../../src/outputs/mqtt/outbox.ts';
import { MqttOutput } from '../../../src/outputs/mqtt/publisher.ts';
import type { CameraStatus } from '../../../src/outputs/site.ts';
import { mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../../support/tmpfs.ts';
import { waitFor } from '../../support/wait.ts';
import {
  capturedLogger,
  eventMessage,
  mqttConfig,
  parseEvent,
  RecordingSite,
  scratchDir,
  seeded,
  subscribe,
  type Subscriber,
} from './harness.ts';

const CAMERAS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'];
const noTmpfs = tmpfsUnavailable();
let broker: EmbeddedBroker;

before(async () => {
  broker = await startEmbeddedBroker(0);
});

after(() => broker.stop());

interface Running {
  output: MqttOutput;
  site: RecordingSite;
  lines: string[];
  events: Subscriber;
}

let prefixCounter = 0;

/** An output on `dir` (8 cameras) with a subscriber to its events; both stopped after the test. */
async function start(t: TestContext, dir: string, site?: RecordingSite): Promise<Running> {
  prefixCounter += 1;
  const prefix = `od${prefixCounter}`;
  const { log, lines } = capturedLogger();
  const seededSite = site ?? (await seeded(new RecordingSite(), CAMERAS));
  const output = new MqttOutput({
    config: mqttConfig({ url: broker.url, prefix, clientId: `gw-${prefix}`, outbox: { dir, maxEvents: 10_000 } }),
    site: seededSite,
    log,
    healthIntervalMs: 0,
    metricsIntervalMs: 0,
    reconnectPeriodMs: 50,
    outboxRetryMs: 50,
  });
  const events = await subscribe(broker.url, [`${prefix}/events/#`]);
  await output.start();
  t.after(async () => {
    await output.stop();
    await events.close();
  });
  await waitFor('the gateway to connect', () => output.stats().connected);
  return { output, site: seededSite, lines, events };
}

/** `rounds` events for each camera; resolves when the subscriber has every one of them. */
async function publishRound(running: Running, rounds: number): Promise<string[]> {
  const ids: string[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const camera of CAMERAS) {
      const message = eventMessage(camera);
      ids.push(message.event.id);
      running.output.publish(message);
    }
  }
  const received = (): Set<string> => new Set(running.events.messages.map((m) => parseEvent(m).event.id));
  await waitFor(`${ids.length} events at the subscriber`, () => ids.every((id) => received().has(id)));
  return ids;
}

const logged = (lines: string[], text: string): number => lines.filter((line) => line.includes(text)).length;

function mounted(t: TestContext, mode: 'ro' | 'rw' = 'rw'): Tmpfs {
  const disk = mountTmpfs(1024 * 1024, mode);
  t.after(() => disk.unmount());
  return disk;
}

test('a full outbox disk mid-stream: the gateway keeps running, every event arrives, health and counters say degraded, and freed space brings the disk back', {
  skip: noTmpfs ?? false,
}, async (t) => {
  const disk = mounted(t);
  const running = await start(t, disk.dir);
  await publishRound(running, 2);
  assert.equal(running.output.stats().outbox.degraded, null);

  disk.fill();
  await publishRound(running, 20);
  const stats = running.output.stats();
  assert.equal(stats.outbox.degraded?.code, 'ENOSPC');
  assert.ok(stats.outbox.bypassed.disk_full > 0, 'events queued in memory are counted');
  assert.equal(stats.callbackErrors, 0);
  assert.equal(stats.published.events, 22 * CAMERAS.length);
  const health = running.site.health();
  assert.equal(health.status, 'degraded');
  assert.ok(
    health.reasons.some((reason) => reason.includes(disk.dir) && reason.includes('ENOSPC')),
    health.reasons.join('\n'),
  );
  assert.equal(logged(running.lines, 'mqtt outbox cannot be written'), 1, 'one log line on entry, none per event');

  disk.free();
  await waitFor('the outbox to take writes again', () => running.output.stats().outbox.degraded === null);
  assert.equal(logged(running.lines, 'mqtt outbox can be written again'), 1);
  assert.equal(running.site.health().status, 'healthy');
  const bypassed = running.output.stats().outbox.bypassed.disk_full;
  const ids = await publishRound(running, 1);
  assert.equal(running.output.stats().outbox.bypassed.disk_full, bypassed, 'back on the disk path');
  const file = readFileSync(path.join(disk.dir, OUTBOX_FILE), 'utf8');
  for (const id of ids) assert.ok(file.includes(id), `event ${id} was written to the outbox file`);
});

test('an outbox disk already full at start still publishes every event, with one log line', { skip: noTmpfs ?? false }, async (t) => {
  const disk = mounted(t);
  disk.fill();
  const running = await start(t, disk.dir);
  await publishRound(running, 10);
  assert.equal(running.output.stats().outbox.degraded?.reason, 'disk_full');
  assert.equal(running.output.stats().published.events, 10 * CAMERAS.length);
  assert.equal(logged(running.lines, 'mqtt outbox cannot be written'), 1);
  assert.equal(logged(running.lines, '"level":50'), 1, 'the entry is the only error line');
});

test('a read-only outbox directory at start: events are published from memory until it is remounted writable', {
  skip: noTmpfs ?? false,
}, async (t) => {
  const disk = mounted(t, 'ro');
  const running = await start(t, disk.dir);
  assert.equal(running.output.stats().outbox.degraded?.code, 'EROFS');
  await publishRound(running, 3);
  assert.ok(running.site.health().reasons.some((reason) => reason.includes(disk.dir) && reason.includes('EROFS')));
  assert.equal(running.output.stats().outbox.bypassed.read_only, 3 * CAMERAS.length);
  disk.remount('rw');
  await waitFor('the outbox to take writes again', () => running.output.stats().outbox.degraded === null);
  const ids = await publishRound(running, 1);
  const file = readFileSync(path.join(disk.dir, OUTBOX_FILE), 'utf8');
  for (const id of ids) assert.ok(file.includes(id));
});

/** A site whose camera list fails: the output calls it from mqtt.js's connect callback. */
class BrokenSite extends RecordingSite {
  broken = false;

  override cameras(): CameraStatus[] {
    if (this.broken) throw new Error('camera list unavailable');
    return super.cameras();
  }
}

test('an exception inside an mqtt.js callback is counted and logged, and events keep flowing', async (t) => {
  const site = await seeded(new BrokenSite(), CAMERAS);
  site.broken = true;
  const scratch = scratchDir();
  t.after(() => scratch.remove());
  const running = await start(t, scratch.dir, site);
  await waitFor('the connect callback failure to be counted', () => running.output.stats().callbackErrors === 1);
  assert.equal(logged(running.lines, 'mqtt callback failed'), 1);
  assert.ok(running.lines.some((line) => line.includes('"callback":"connect"') && line.includes('camera list unavailable')));
  await publishRound(running, 1);
});
