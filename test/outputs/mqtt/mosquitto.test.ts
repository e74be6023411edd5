import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MqttOutput } from '../../../src/outputs/mqtt/publisher.ts';
import { startMosquitto, type Mosquitto } from '../../support/mosquitto.ts';
import { startTcpProxy } from './tcp-proxy.ts';
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
  type Received,
  type Subscriber,
} from './harness.ts';

const PREFIX = 'mosq';
const EVENTS = 200;
let mosquitto: Mosquitto;
let output: MqttOutput;
let events: Subscriber;
let replies: Subscriber;
let removeOutbox: () => void;

before(async () => {
  // Persistence keeps the subscriber's session and the messages queued for it across the restart, so
  // what the broker acknowledged before it stopped is still delivered: the test then measures the
  // gateway's side (the outbox and resending), not a broker that forgets what it accepted.
  mosquitto = await startMosquitto({ persistence: true });
  const outbox = scratchDir();
  removeOutbox = outbox.remove;
  events = await subscribe(mosquitto.url, [`${PREFIX}/events/#`], { clientId: 'panoptes-test-events', clean: false });
  replies = await subscribe(mosquitto.url, [`${PREFIX}/control/replies`], { clientId: 'panoptes-test-replies', clean: false });
  output = new MqttOutput({
    config: mqttConfig({ url: mosquitto.url, prefix: PREFIX, clientId: 'gw-mosquitto', outbox: { dir: outbox.dir } }),
    site: await seeded(new RecordingSite(), ['gate', 'dock']),
    log: capturedLogger().log,
    healthIntervalMs: 0,
    metricsIntervalMs: 0,
    reconnectPeriodMs: 100,
  });
  await output.start();
  await waitFor('the gateway to connect', () => output.stats().connected);
});

after(async () => {
  await events?.close();
  await replies?.close();
  await output?.stop();
  await mosquitto?.dispose();
  removeOutbox?.();
});

/** First arrival of each message (at-least-once: duplicates share event id, type and seq). */
function deduped(messages: Received[]): Array<{ camera: string; seq: number; id: string }> {
  const seen = new Set<string>();
  const unique: Array<{ camera: string; seq: number; id: string }> = [];
  for (const message of messages) {
    const { seq, type, event } = parseEvent(message);
    const key = `${event.id}|${type}|${seq}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push({ camera: event.camera, seq, id: event.id });
  }
  return unique;
}

test('a mosquitto restart in the middle of a stream of 200 events loses none and keeps each camera in order', async () => {
  const publish = (from: number, to: number): void => {
    for (let i = from; i <= to; i += 1) output.publish(eventMessage(i % 2 === 0 ? 'gate' : 'dock', 'update', 'person', `stream-${i}`));
  };
  publish(1, 80);
  // Stopped while those are being acknowledged: a window of them is in flight when the broker goes away.
  assert.ok(output.stats().outbox.inFlight > 0);
  await mosquitto.stop();
  await waitFor('the gateway to notice the broker is gone', () => !output.stats().connected);
  publish(81, 150);
  assert.ok(output.stats().outbox.depth >= 70, `the outbox holds the events published during the outage (${output.stats().outbox.depth})`);
  await mosquitto.restart();
  publish(151, EVENTS);

  await waitFor('every event', () => deduped(events.messages).length >= EVENTS, 60_000);
  await waitFor('the outbox to drain', () => output.stats().outbox.depth === 0, 60_000);
  const unique = deduped(events.messages);
  assert.deepEqual(new Set(unique.map((message) => message.id)), new Set(Array.from({ length: EVENTS }, (_, i) => `stream-${i + 1}`)));
  assert.equal(unique.length, EVENTS, 'no event arrived under two different seqs');
  for (const camera of ['gate', 'dock']) {
    const seqs = unique.filter((message) => message.camera === camera).map((message) => message.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      `${camera} events arrived out of order`,
    );
    assert.equal(seqs.length, EVENTS / 2);
  }
  assert.ok(events.messages.every((message) => message.qos === 1));
  assert.equal(output.stats().connects, 2);
  assert.equal(output.stats().published.events, EVENTS);
});

test('control still works after the broker restart (the gateway subscribed again)', async () => {
  await replies.client.publishAsync(`${PREFIX}/control/cameras/gate/restart`, '{"requestId": "after-restart"}', { qos: 1 });
  await waitFor('the reply', () => replies.messages.length > 0);
  assert.deepEqual(JSON.parse(replies.messages[0]?.payload ?? '{}'), {
    requestId: 'after-restart',
    camera: 'gate',
    action: 'restart',
    ok: true,
  });
});

/** An output of its own (prefix, outbox) on `url`, stopped after the test. */
async function ownOutput(prefix: string, url: string, site: RecordingSite): Promise<{ output: MqttOutput; stop: () => Promise<void> }> {
  const outbox = scratchDir();
  const own = new MqttOutput({
    config: mqttConfig({ url, prefix, clientId: `gw-${prefix}`, outbox: { dir: outbox.dir } }),
    site,
    log: capturedLogger().log,
    healthIntervalMs: 0,
    metricsIntervalMs: 0,
    reconnectPeriodMs: 100,
  });
  await own.start();
  await waitFor('the output to connect', () => own.stats().connected);
  return {
    output: own,
    stop: async () => {
      await own.stop();
      outbox.remove();
    },
  };
}

/**
 * The retained statuses a new subscriber is handed: mosquitto sends them while it handles the
 * SUBSCRIBE, so once a message published after it comes back, every one of them has arrived.
 */
async function retainedStatuses(prefix: string): Promise<Map<string, string>> {
  const sub = await subscribe(mosquitto.url, [`${prefix}/streams/status/#`, `${prefix}/marker`]);
  try {
    await sub.client.publishAsync(`${prefix}/marker`, 'done', { qos: 1 });
    await waitFor('the marker', () => sub.on(`${prefix}/marker`).length > 0);
    return new Map(sub.messages.filter((m) => m.retain).map((m) => [m.topic.split('/').at(-1) as string, m.payload]));
  } finally {
    await sub.close();
  }
}

test("a deleted camera's retained status is cleared on the broker: a new subscriber gets none for it", async () => {
  const prefix = 'mosq-delete';
  const site = await seeded(new RecordingSite(), ['gate', 'yard']);
  const { stop } = await ownOutput(prefix, mosquitto.url, site);
  try {
    await waitFor('both statuses retained', async () => (await retainedStatuses(prefix)).size === 2);
    const watcher = await subscribe(mosquitto.url, [`${prefix}/streams/status/yard`]);
    await site.removeCamera('yard');
    await waitFor('the clearing message', () => watcher.messages.some((m) => m.payload === ''));
    await watcher.close();
    assert.deepEqual([...(await retainedStatuses(prefix)).keys()], ['gate'], 'only the remaining camera has a retained status');
  } finally {
    await stop();
  }
});

test('a camera deleted while the broker is unreachable has its retained status cleared on reconnect', async () => {
  const prefix = 'mosq-delete-offline';
  const site = await seeded(new RecordingSite(), ['gate', 'yard']);
  const proxy = await startTcpProxy(mosquitto.port);
  const { output: own, stop } = await ownOutput(prefix, proxy.url, site);
  try {
    await waitFor('both statuses retained', async () => (await retainedStatuses(prefix)).size === 2);
    proxy.cut();
    await waitFor('the output to notice', () => !own.stats().connected);
    await site.removeCamera('yard');
    proxy.allow();
    await waitFor('the output to reconnect', () => own.stats().connected, 15_000);
    await waitFor('the status cleared', async () => !(await retainedStatuses(prefix)).has('yard'), 15_000);
    assert.deepEqual([...(await retainedStatuses(prefix)).keys()], ['gate']);
  } finally {
    await stop();
    await proxy.close();
  }
});
