import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { connectAsync } from 'mqtt';
import { Secret } from '../../../src/config/secret.ts';
import { startEmbeddedBroker } from '../../../src/outputs/mqtt/embedded-broker.ts';
import { MqttOutput } from '../../../src/outputs/mqtt/publisher.ts';
import { waitFor } from '../../support/wait.ts';
import { capturedLogger, mqttConfig, RecordingSite, scratchDir, seeded, subscribe } from './harness.ts';

// Real mqtt.js clients against the real aedes broker: what a local user without a token can do.
const TOKEN = 'broker-token-5e1d';
const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Connects once (no retry); resolves with the CONNACK refusal's message, or 'connected'. */
async function tryConnect(url: string, options: { username?: string; password?: string }): Promise<string> {
  try {
    const client = await connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, ...options });
    await client.endAsync(true);
    return 'connected';
  } catch (error) {
    return (error as Error).message;
  }
}

test('with tokens configured the embedded broker refuses clients without one and accepts any token as the password', async () => {
  const broker = await startEmbeddedBroker(0, { tokens: [new Secret('other-token'), new Secret(TOKEN)] });
  cleanups.push(() => broker.stop());
  assert.match(await tryConnect(broker.url, {}), /Bad username or password/i);
  assert.match(await tryConnect(broker.url, { username: 'viewer' }), /Bad username or password/i);
  assert.match(await tryConnect(broker.url, { username: 'viewer', password: `${TOKEN}x` }), /Bad username or password/i);
  assert.equal(await tryConnect(broker.url, { username: 'anyone', password: TOKEN }), 'connected');
  assert.equal(await tryConnect(broker.url, { username: 'ops', password: 'other-token' }), 'connected');
});

test('mqtt.username and mqtt.password are accepted as a pair: the user name has to match', async () => {
  const broker = await startEmbeddedBroker(0, { tokens: [], user: { username: 'gw', password: new Secret('pw-77') } });
  cleanups.push(() => broker.stop());
  assert.match(await tryConnect(broker.url, {}), /Bad username or password/i);
  assert.match(await tryConnect(broker.url, { username: 'someone', password: 'pw-77' }), /Bad username or password/i);
  assert.equal(await tryConnect(broker.url, { username: 'gw', password: 'pw-77' }), 'connected');
});

test('without credentials configured the embedded broker stays open', async () => {
  const broker = await startEmbeddedBroker(0, { tokens: [] });
  cleanups.push(() => broker.stop());
  assert.equal(await tryConnect(broker.url, {}), 'connected');
});

test('the gateway logs in to its own broker with a token; only a client holding one reaches the control topics, and only the gateway receives requests', async () => {
  const scratch = scratchDir();
  const { log } = capturedLogger();
  const site = await seeded(new RecordingSite(), ['gate']);
  const output = new MqttOutput({
    config: mqttConfig({ url: null, embeddedPort: 0, prefix: 'auth', outbox: { dir: scratch.dir } }),
    site,
    log,
    tokens: [new Secret(TOKEN)],
    healthIntervalMs: 0,
    metricsIntervalMs: 0,
    reconnectPeriodMs: 50,
  });
  await output.start();
  cleanups.push(async () => {
    await output.stop();
    scratch.remove();
  });
  await waitFor('the gateway to connect to its broker', () => output.stats().connected);
  assert.match(await tryConnect(output.brokerUrl, { username: 'intruder' }), /Bad username or password/i);
  const operator = await subscribe(output.brokerUrl, ['auth/#'], { username: 'operator', password: TOKEN });
  cleanups.push(() => operator.close());
  await operator.client.publishAsync('auth/control/cameras/gate/restart', JSON.stringify({ requestId: 'r1' }), { qos: 1 });
  await waitFor('the control reply', () => operator.on('auth/control/replies').length === 1);
  assert.deepEqual(JSON.parse(operator.on('auth/control/replies')[0]?.payload ?? '{}'), {
    requestId: 'r1',
    camera: 'gate',
    action: 'restart',
    ok: true,
  });
  // Control requests may carry camera URLs with credentials: only the gateway receives them.
  assert.deepEqual(
    operator.messages.filter((m) => m.topic.startsWith('auth/control/cameras/')),
    [],
  );
  assert.deepEqual(
    site.calls.filter((c) => c.method === 'restartCamera').map((c) => c.args),
    [['gate']],
  );
});

test('with the embedded broker, detections are published in-process and reach a subscriber at QoS 0', async () => {
  const scratch = scratchDir();
  const { log } = capturedLogger();
  const site = await seeded(new RecordingSite(), ['gate']);
  const output = new MqttOutput({
    config: mqttConfig({ url: null, embeddedPort: 0, prefix: 'direct', outbox: { dir: scratch.dir } }),
    site,
    log,
    healthIntervalMs: 0,
    metricsIntervalMs: 0,
  });
  await output.start();
  cleanups.push(async () => {
    await output.stop();
    scratch.remove();
  });
  const viewer = await subscribe(output.brokerUrl, ['direct/detections/#']);
  cleanups.push(() => viewer.close());
  const person = { label: 'person', classId: 0, score: 0.8, box: { x: 1, y: 2, width: 3, height: 4 }, trackId: 7 };
  site.emitDetections({ camera: 'gate', captureMs: 1, detections: [person] });
  await waitFor('the detections', () => viewer.on('direct/detections/gate').length === 1);
  const [message] = viewer.on('direct/detections/gate');
  assert.equal(message?.qos, 0);
  assert.equal(JSON.parse(message?.payload ?? '{}').detections[0].trackId, 7);
  assert.equal(output.stats().published.detections, 1);
  assert.equal(output.stats().dropped.detections_disconnected, 0);
});
