import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { Secret } from '../../../src/config/secret.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src/outputs/mqtt/embedded-broker.ts';
import { MqttOutput, type MqttOutputOptions } from '../../../src/outputs/mqtt/publisher.ts';
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
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

let broker: EmbeddedBroker;
const cleanups: Array<() => Promise<void> | void> = [];

before(async () => {
  broker = await startEmbeddedBroker(0);
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await broker.stop();
});

interface Started {
  output: MqttOutput;
  site: RecordingSite;
  lines: string[];
  prefix: string;
}

let prefixCounter = 0;

/** An MqttOutput with its own prefix (tests share one broker) and outbox directory. */
async function startOutput(
  url: string | null,
  options: Partial<MqttOutputOptions> & { outboxDir?: string; maxEvents?: number } = {},
): Promise<Started> {
  prefixCounter += 1;
  const prefix = `pt${prefixCounter}`;
  const scratch = scratchDir();
  const { log, lines } = capturedLogger();
  const site = (options.site as RecordingSite | undefined) ?? (await seeded(new RecordingSite(), ['gate', 'dock']));
  const output = new MqttOutput({
    config: mqttConfig({
      url,
      embeddedPort: 0,
      prefix,
      clientId: `gw-${prefix}`,
      outbox: { dir: options.outboxDir ?? scratch.dir, maxEvents: options.maxEvents ?? 1_000 },
    }),
    site,
    log,
    healthIntervalMs: 0,
    metricsIntervalMs: 0,
    reconnectPeriodMs: 50,
    ...options,
  });
  await output.start();
  cleanups.push(async () => {
    await output.stop();
    scratch.remove();
  });
  return { output, site, lines, prefix };
}

async function subscriber(url: string, topics: string[]): Promise<Subscriber> {
  const sub = await subscribe(url, topics);
  cleanups.push(() => sub.close());
  return sub;
}

async function proxy(): Promise<TcpProxy> {
  const started = await startTcpProxy(broker.port);
  cleanups.push(() => started.close());
  return started;
}

const connected = (output: MqttOutput): Promise<void> => waitFor('the gateway to connect', () => output.stats().connected);

test('the embedded broker serves a real mqtt.js subscriber and frees its port when stopped', async () => {
  const own = await startEmbeddedBroker(0);
  const sub = await subscribe(own.url, ['probe/#']);
  const publisher = await subscribe(own.url, []);
  await publisher.client.publishAsync('probe/x', 'hello', { qos: 1 });
  await waitFor('the probe message', () => sub.messages.length === 1);
  assert.deepEqual(sub.messages[0], { topic: 'probe/x', payload: 'hello', qos: 1, retain: false });
  await publisher.close();
  await sub.close();
  await own.stop();
  const reuse = createServer().listen(own.port, '127.0.0.1');
  await once(reuse, 'listening');
  await new Promise((resolve) => reuse.close(resolve));
});

test('the embedded broker knows which topics its clients want: filters with wildcards, unsubscribes, disconnects, persistent sessions', async () => {
  const own = await startEmbeddedBroker(0);
  cleanups.push(() => own.stop());
  assert.equal(own.wanted('pt/detections/gate'), false, 'nobody is connected');
  const sub = await subscribe(own.url, ['pt/+/gate', 'other/#']);
  await waitFor('the subscription', () => own.wanted('pt/detections/gate'));
  assert.equal(own.wanted('pt/detections/dock'), false);
  assert.ok(own.wanted('other/a/b'));
  await sub.client.unsubscribeAsync('pt/+/gate');
  await waitFor('the unsubscription', () => !own.wanted('pt/detections/gate'));
  assert.ok(own.wanted('other/a/b'), 'the other filter stays');
  await sub.close();
  await waitFor('the disconnect', () => !own.wanted('other/a/b'));
  // A persistent session gets its subscriptions back without a SUBSCRIBE: anything may be wanted.
  const persistent = await subscribe(own.url, [], { clientId: 'keeps-session', clean: false });
  await waitFor('the persistent session', () => own.wanted('pt/detections/dock'));
  await persistent.close();
  await waitFor('the persistent client gone', () => !own.wanted('pt/detections/dock'));
});

test('per-frame detections reach the embedded broker only while a client subscribes to them', async () => {
  const { output, site, prefix } = await startOutput(null);
  await connected(output);
  const frame = { camera: 'gate', captureMs: 1, detections: [] };
  site.emitDetections(frame);
  assert.equal(output.stats().published.detections, 0, 'no subscriber: not even serialised');
  const sub = await subscriber(output.brokerUrl, [`${prefix}/detections/+`]);
  let captureMs = 1;
  await waitFor('detections once subscribed', () => {
    site.emitDetections({ ...frame, captureMs: ++captureMs });
    return sub.on(`${prefix}/detections/gate`).length > 0;
  });
  assert.ok(JSON.parse(sub.messages[0]?.payload ?? '{}').captureMs >= 2);
  await waitFor('every one published delivered', () => sub.messages.length === output.stats().published.detections);
});

test('a taken embedded port fails with E_MQTT_LISTEN naming the port and the config key', async () => {
  await assert.rejects(startEmbeddedBroker(broker.port), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'E_MQTT_LISTEN');
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${broker.port}.*mqtt\\.embeddedPort`));
    return true;
  });
});

test('with no broker URL the output starts the embedded broker and an event arrives on {prefix}/events/{camera} with QoS 1', async () => {
  const { output, prefix } = await startOutput(null);
  const sub = await subscriber(output.brokerUrl, [`${prefix}/events/#`]);
  await connected(output);
  const message = eventMessage('gate', 'start', 'person', 'evt-1');
  output.publish(message);
  await waitFor('the event', () => sub.messages.length === 1);
  const [received] = sub.messages;
  assert.equal(received?.topic, `${prefix}/events/gate`);
  assert.equal(received?.qos, 1);
  assert.equal(received?.retain, false);
  const payload = parseEvent(received!);
  assert.deepEqual({ type: payload.type, seq: payload.seq, event: payload.event }, { type: 'start', seq: 1, event: { ...message.event } });
  await waitFor('the PUBACK to empty the outbox', () => output.stats().outbox.depth === 0);
  assert.equal(output.stats().published.events, 1);
});

test('events from the site are published, a critical start also goes to alerts/critical, other events do not', async () => {
  const site = await seeded(new RecordingSite(), ['gate', 'dock']);
  const { output, prefix } = await startOutput(broker.url, {
    site,
    isCritical: (event) => event.camera === 'gate' && event.label === 'person',
  });
  const sub = await subscriber(broker.url, [`${prefix}/events/#`, `${prefix}/alerts/critical`]);
  await connected(output);
  site.emitEvent(eventMessage('gate', 'start', 'person', 'crit'));
  site.emitEvent(eventMessage('gate', 'end', 'person', 'crit'));
  site.emitEvent(eventMessage('gate', 'start', 'car', 'car-1'));
  site.emitEvent(eventMessage('dock', 'start', 'person', 'dock-1'));
  await waitFor('four events and one alert', () => sub.messages.length === 5);
  const alerts = sub.on(`${prefix}/alerts/critical`).map(parseEvent);
  assert.deepEqual(
    alerts.map((alert) => [alert.type, alert.event.id]),
    [['start', 'crit']],
  );
  assert.equal(sub.on(`${prefix}/alerts/critical`)[0]?.qos, 1);
  assert.deepEqual(
    sub.messages.filter((m) => m.topic.startsWith(`${prefix}/events/`)).map((m) => [m.topic, parseEvent(m).event.id]),
    [
      [`${prefix}/events/gate`, 'crit'],
      [`${prefix}/events/gate`, 'crit'],
      [`${prefix}/events/gate`, 'car-1'],
      [`${prefix}/events/dock`, 'dock-1'],
    ],
  );
  await waitFor('all acknowledged', () => output.stats().published.alerts === 1 && output.stats().published.events === 4);
});

test('on connect a retained online is published, and when the gateway socket dies the last will publishes a retained offline', async () => {
  const link = await proxy();
  const { output, prefix } = await startOutput(link.url);
  await connected(output);
  const topic = `${prefix}/gateway/availability`;
  const early = await subscriber(broker.url, [topic]);
  await waitFor('the retained online', () => early.messages.length === 1);
  assert.deepEqual(early.messages[0], { topic, payload: 'online', qos: 1, retain: true });

  link.cut();
  await waitFor('the last will', () => early.messages.length === 2);
  assert.equal(early.messages[1]?.payload, 'offline');
  const late = await subscriber(broker.url, [topic]);
  await waitFor('the retained offline', () => late.messages.length === 1);
  assert.deepEqual(late.messages[0], { topic, payload: 'offline', qos: 1, retain: true });

  link.allow();
  await waitFor('online again after the reconnect', () => early.messages.length === 3);
  assert.equal(early.messages[2]?.payload, 'online');
  assert.equal(output.stats().connects, 2);
});

test('a clean stop publishes the retained offline', async () => {
  const { output, prefix } = await startOutput(broker.url);
  await connected(output);
  await output.stop();
  const late = await subscriber(broker.url, [`${prefix}/gateway/availability`]);
  await waitFor('the retained availability', () => late.messages.length === 1);
  assert.equal(late.messages[0]?.payload, 'offline');
});

test('events published while the broker is unreachable are delivered in order after reconnect; detections meanwhile are dropped and counted', async () => {
  const link = await proxy();
  const { output, site, prefix } = await startOutput(link.url);
  const sub = await subscriber(broker.url, [`${prefix}/events/#`, `${prefix}/detections/#`]);
  await connected(output);
  link.cut();
  await waitFor('the gateway to notice', () => !output.stats().connected);
  for (let i = 0; i < 20; i += 1) output.publish(eventMessage(i % 2 === 0 ? 'gate' : 'dock', 'update', 'person', `offline-${i}`));
  site.emitDetections({ camera: 'gate', captureMs: 1, detections: [] });
  assert.equal(output.stats().outbox.depth, 20);
  assert.equal(output.stats().dropped.detections_disconnected, 1);
  assert.equal(sub.messages.length, 0);

  link.allow();
  await waitFor('all 20 events', () => sub.messages.length >= 20);
  assert.deepEqual(
    sub.messages.map((m) => parseEvent(m).event.id),
    Array.from({ length: 20 }, (_, i) => `offline-${i}`),
  );
  assert.deepEqual(
    sub.messages.map((m) => parseEvent(m).seq),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  await waitFor('the outbox to drain', () => output.stats().outbox.depth === 0);

  site.emitDetections({
    camera: 'gate',
    captureMs: 2,
    detections: [{ label: 'person', classId: 0, score: 0.8, box: { x: 1, y: 2, width: 3, height: 4 }, trackId: 7 }],
  });
  await waitFor('the detections', () => sub.on(`${prefix}/detections/gate`).length === 1);
  const detections = sub.on(`${prefix}/detections/gate`)[0];
  assert.equal(detections?.qos, 0);
  assert.equal(JSON.parse(detections?.payload ?? '{}').detections[0].trackId, 7);
  assert.equal(output.stats().published.detections, 1);
});

test('the outbox bound drops the oldest events while the broker is unreachable and counts them', async () => {
  const link = await proxy();
  link.cut();
  const { output, prefix } = await startOutput(link.url, { maxEvents: 5 });
  const sub = await subscriber(broker.url, [`${prefix}/events/#`]);
  for (let i = 1; i <= 12; i += 1) output.publish(eventMessage('gate', 'start', 'person', `bounded-${i}`));
  assert.equal(output.stats().dropped.outbox_full, 7);
  assert.equal(output.stats().outbox.depth, 5);
  link.allow();
  await waitFor('the five kept events', () => sub.messages.length >= 5);
  await waitFor('the outbox to drain', () => output.stats().outbox.depth === 0);
  assert.deepEqual(
    sub.messages.map((m) => parseEvent(m).event.id),
    ['bounded-8', 'bounded-9', 'bounded-10', 'bounded-11', 'bounded-12'],
  );
});

test('events left in the outbox by a stopped gateway are delivered when it starts again', async () => {
  const outbox = scratchDir();
  cleanups.push(() => outbox.remove());
  const link = await proxy();
  link.cut();
  const first = await startOutput(link.url, { outboxDir: outbox.dir });
  for (let i = 1; i <= 3; i += 1) first.output.publish(eventMessage('dock', 'start', 'person', `carried-${i}`));
  await first.output.stop();

  const sub = await subscriber(broker.url, [`${first.prefix}/events/#`]);
  const second = await startOutput(broker.url, { outboxDir: outbox.dir });
  await connected(second.output);
  // Sent by the second gateway under its own prefix: the topic was fixed when the event was queued.
  await waitFor('the carried events', () => sub.on(`${first.prefix}/events/dock`).length === 3);
  assert.deepEqual(
    sub.on(`${first.prefix}/events/dock`).map((m) => parseEvent(m).event.id),
    ['carried-1', 'carried-2', 'carried-3'],
  );
  assert.equal(second.output.stats().outbox.recovered, 3);
});

test('camera status is published retained on connect and on every transition', async () => {
  const site = await seeded(new RecordingSite(), ['gate', 'dock']);
  const { output, prefix } = await startOutput(broker.url, { site });
  await connected(output);
  const sub = await subscriber(broker.url, [`${prefix}/streams/status/#`]);
  await waitFor('both retained statuses', () => sub.messages.length === 2);
  assert.ok(sub.messages.every((m) => m.retain && m.qos === 1));
  assert.deepEqual(
    sub.messages.map((m) => JSON.parse(m.payload).state),
    ['ONLINE', 'ONLINE'],
  );

  site.emitTransition({ camera: 'gate', from: 'ONLINE', to: 'STALLED', reason: 'no frame for 10 s', atMs: 1234 });
  await waitFor('the transition', () => sub.messages.length === 3);
  assert.deepEqual(JSON.parse(sub.messages[2]?.payload ?? '{}'), {
    camera: 'gate',
    state: 'STALLED',
    previous: 'ONLINE',
    reason: 'no frame for 10 s',
    atMs: 1234,
  });
  const late = await subscriber(broker.url, [`${prefix}/streams/status/gate`]);
  await waitFor('the retained status', () => late.messages.length === 1);
  assert.equal(JSON.parse(late.messages[0]?.payload ?? '{}').state, 'STALLED');
});

test('health and metrics summaries are published at their intervals', async () => {
  const { output, prefix } = await startOutput(broker.url, { healthIntervalMs: 20, metricsIntervalMs: 20 });
  const sub = await subscriber(broker.url, [`${prefix}/gateway/health`, `${prefix}/gateway/metrics`]);
  await connected(output);
  await waitFor(
    'health and metrics',
    () => sub.on(`${prefix}/gateway/health`).length > 0 && sub.on(`${prefix}/gateway/metrics`).length > 0,
  );
  const health = JSON.parse(sub.on(`${prefix}/gateway/health`)[0]?.payload ?? '{}');
  assert.equal(health.status, 'healthy');
  assert.deepEqual(health.streams, { online: 2, total: 2, enabled: 2 });
  const metrics = JSON.parse(sub.on(`${prefix}/gateway/metrics`)[0]?.payload ?? '{}');
  assert.deepEqual(
    metrics.cameras.map((camera: { id: string }) => camera.id),
    ['gate', 'dock'],
  );
  assert.equal(typeof metrics.mqtt.outbox.depth, 'number');
});

test('no secret appears in any payload or log line', async () => {
  const secrets = ['s3cr3t-user', 'pa55-w0rd-xyz'];
  const site = await seeded(new RecordingSite(), ['gate']);
  const url = `mqtt://${secrets[0]}:${secrets[1]}@127.0.0.1:${broker.port}`;
  const outbox = scratchDir();
  cleanups.push(() => outbox.remove());
  const { output, lines } = await startOutput(url, {
    site,
    healthIntervalMs: 20,
    metricsIntervalMs: 20,
    config: mqttConfig({
      url,
      prefix: 'secretcheck',
      clientId: 'gw-secret',
      username: new Secret(secrets[0]!),
      password: new Secret(secrets[1]!),
      outbox: { dir: outbox.dir },
    }),
  });
  const sub = await subscriber(broker.url, ['secretcheck/#']);
  await connected(output);
  site.emitEvent(eventMessage('gate'));
  site.emitDetections({ camera: 'gate', captureMs: 1, detections: [] });
  site.emitTransition({ camera: 'gate', from: 'ONLINE', to: 'OFFLINE', reason: 'stopped', atMs: 1 });
  await sub.client.publishAsync('secretcheck/control/cameras/gate/restart', '');
  await sub.client.publishAsync('secretcheck/control/cameras/gate/config', '{"broken"');
  await waitFor('every kind of message', () =>
    ['events', 'detections', 'streams/status', 'gateway/health', 'gateway/metrics', 'control/replies'].every((kind) =>
      sub.messages.some((m) => m.topic.startsWith(`secretcheck/${kind}`)),
    ),
  );
  await output.stop();
  assert.ok(
    lines.some((line) => line.includes('mqtt connected') && line.includes('***:***@127.0.0.1')),
    'the broker URL is logged, masked',
  );
  for (const secret of secrets) {
    for (const message of sub.messages) assert.ok(!message.payload.includes(secret), `${message.topic} carries a secret`);
    for (const line of lines) assert.ok(!line.includes(secret), `log line carries a secret: ${line}`);
  }
});
