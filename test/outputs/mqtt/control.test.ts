import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src/outputs/mqtt/embedded-broker.ts';
import { MqttControl, type ControlReply } from '../../../src/outputs/mqtt/control.ts';
import { MqttOutput } from '../../../src/outputs/mqtt/publisher.ts';
import { mqttTopics } from '../../../src/outputs/mqtt/topics.ts';
import { waitFor } from '../../support/wait.ts';
import { capturedLogger, FailingSite, mqttConfig, RecordingSite, scratchDir, seeded, subscribe, type Subscriber } from './harness.ts';

const PREFIX = 'ctl';
let broker: EmbeddedBroker;
let output: MqttOutput;
let site: FailingSite;
let requester: Subscriber;
let lines: string[];
let removeOutbox: () => void;

before(async () => {
  broker = await startEmbeddedBroker(0);
  site = await seeded(new FailingSite(), ['gate', 'dock']);
  const captured = capturedLogger();
  lines = captured.lines;
  const outbox = scratchDir();
  removeOutbox = outbox.remove;
  output = new MqttOutput({
    config: mqttConfig({ url: broker.url, prefix: PREFIX, clientId: 'gw-control', outbox: { dir: outbox.dir } }),
    site,
    log: captured.log,
    healthIntervalMs: 0,
    metricsIntervalMs: 0,
  });
  requester = await subscribe(broker.url, [`${PREFIX}/control/replies`]);
  await output.start();
  await waitFor('the gateway to connect and subscribe', () => output.stats().connected);
  // The control subscription is in place once a probe is answered.
  await requester.client.publishAsync(`${PREFIX}/control/cameras/probe/nothing`, '', { qos: 1 });
  await waitFor('the probe reply', () => requester.messages.length === 1);
  requester.messages.splice(0);
});

after(async () => {
  await requester.close();
  await output.stop();
  await broker.stop();
  removeOutbox();
});

/** Publishes requests in order and returns their replies in the same order (control answers one at a time). */
async function ask(requests: Array<[topic: string, payload: string | Buffer]>): Promise<ControlReply[]> {
  const start = requester.messages.length;
  for (const [topic, payload] of requests) await requester.client.publishAsync(`${PREFIX}/control/cameras/${topic}`, payload, { qos: 1 });
  await waitFor(`${requests.length} replies`, () => requester.messages.length >= start + requests.length);
  return requester.messages.slice(start, start + requests.length).map((message) => JSON.parse(message.payload) as ControlReply);
}

const INVALID = 'E_MQTT_CONTROL_INVALID';

test('malformed control topics and payloads are each answered with an error reply and never crash the gateway', async () => {
  const cases: Array<[topic: string, payload: string | Buffer, code: string]> = [
    // Topics that do not name <camera>/<action>.
    ['gate', '', INVALID],
    ['gate/reboot', '', INVALID],
    ['gate/RESTART', '', INVALID],
    ['gate/restart/now', '', INVALID],
    ['gate/config/extra', '{}', INVALID],
    ['Gate/restart', '', INVALID],
    ['ga te/restart', '', INVALID],
    ['-gate/restart', '', INVALID],
    ['gate!/restart', '', INVALID],
    ['gäte/restart', '', INVALID],
    ['gate.x/restart', '', INVALID],
    ['../gate/restart', '', INVALID],
    ['/restart', '', INVALID],
    ['gate//restart', '', INVALID],
    [`${'a'.repeat(65)}/restart`, '', INVALID],
    ['gate/', '', INVALID],
    ['gate/restart ', '', INVALID],
    ['$gate/restart', '', INVALID],
    // Restart payloads that are not empty or {"requestId"}.
    ['gate/restart', '{', INVALID],
    ['gate/restart', 'null', INVALID],
    ['gate/restart', '[]', INVALID],
    ['gate/restart', '"restart"', INVALID],
    ['gate/restart', '42', INVALID],
    ['gate/restart', 'true', INVALID],
    ['gate/restart', 'restart please', INVALID],
    ['gate/restart', '{"requestId": 5}', INVALID],
    ['gate/restart', '{"requestId": ""}', INVALID],
    ['gate/restart', `{"requestId": "${'r'.repeat(129)}"}`, INVALID],
    ['gate/restart', '{"force": true}', INVALID],
    ['gate/restart', '{"requestId": "a", "delay": 1}', INVALID],
    ['gate/restart', Buffer.from([0xff, 0xfe, 0x00, 0x7b]), INVALID],
    ['gate/restart', `{"pad": "${'x'.repeat(70_000)}"}`, INVALID],
    ['gate/restart', '{"a":'.repeat(5_000), INVALID],
    // Config payloads that are not a valid camera object.
    ['gate/config', '', INVALID],
    ['gate/config', '   ', INVALID],
    ['gate/config', '{', INVALID],
    ['gate/config', '[]', INVALID],
    ['gate/config', 'null', INVALID],
    ['gate/config', '"camera"', INVALID],
    ['gate/config', '{"requestId": {}}', INVALID],
    ['gate/config', '{}', 'E_CONFIG_INVALID'],
    ['gate/config', '{"channel": "one"}', 'E_CONFIG_INVALID'],
    ['gate/config', '{"channel": 1}', 'E_CONFIG_INVALID'],
    ['gate/config', '{"channel": 1, "streams": {}}', 'E_CONFIG_INVALID'],
    ['gate/config', '{"channel": 1, "streams": {"primary": 5}}', 'E_CONFIG_INVALID'],
    ['gate/config', '{"channel": 1, "streams": {"primary": "ftp://cam/1"}}', 'E_CONFIG_INVALID'],
    ['gate/config', '{"channel": 0, "streams": {"primary": "rtsp://cam/1"}}', 'E_CONFIG_INVALID'],
    ['gate/config', '{"channel": 1, "streams": {"primary": "rtsp://cam/1"}, "bogus": true}', 'E_CONFIG_INVALID'],
    ['gate/config', '{"channel": 1, "streams": {"primary": "rtsp://cam/1"}, "enabled": "yes"}', 'E_CONFIG_INVALID'],
    ['gate/config', `{"pad": "${'x'.repeat(70_000)}"}`, INVALID],
    // Cameras the site does not have.
    ['ghost/restart', '', 'E_CAMERA_NOT_FOUND'],
    ['ghost/config', '{"channel": 9, "streams": {"primary": "rtsp://cam/9"}}', 'E_CAMERA_NOT_FOUND'],
    ['unknown-cam/restart', '{}', 'E_CAMERA_NOT_FOUND'],
  ];
  assert.ok(cases.length >= 50);
  const replies = await ask(cases.map(([topic, payload]) => [topic, payload]));
  replies.forEach((reply, index) => {
    const [topic, , code] = cases[index]!;
    assert.equal(reply.ok, false, `${topic} was accepted`);
    assert.equal(reply.error?.code, code, `${topic} #${index}: ${reply.error?.message}`);
    assert.ok((reply.error?.message.length ?? 0) > 10, 'the message says what was wrong');
  });
  // Config bodies are validated by the site (with the config schema); nothing else malformed reaches it.
  const reachedSite = cases
    .filter(([, , code]) => code === 'E_CONFIG_INVALID' || code === 'E_CAMERA_NOT_FOUND')
    .map(([topic]) => `${topic.endsWith('/config') ? 'updateCamera' : 'restartCamera'} ${topic.split('/')[0]}`);
  assert.deepEqual(
    site.calls.map((call) => `${call.method} ${String(call.args[0])}`),
    reachedSite,
  );
  assert.equal(output.stats().control.rejected >= cases.length, true);

  const [still] = await ask([['gate/restart', '{"requestId": "after-the-storm"}']]);
  assert.deepEqual(still, { requestId: 'after-the-storm', camera: 'gate', action: 'restart', ok: true });
});

test('replies name the camera and action when the topic has them, and echo a valid requestId even when the request fails', async () => {
  const replies = await ask([
    ['gate/config', '{"requestId": "r-7", "channel": "one"}'],
    ['gate/reboot', '{"requestId": "r-8"}'],
    ['BAD/restart', '{"requestId": "r-9"}'],
  ]);
  assert.deepEqual(
    replies.map((reply) => [reply.requestId, reply.camera, reply.action, reply.ok]),
    [
      ['r-7', 'gate', 'config', false],
      ['r-8', 'gate', null, false],
      ['r-9', null, 'restart', false],
    ],
  );
  assert.match(replies[0]?.error?.message ?? '', /channel/);
});

test('a valid restart calls SiteControl.restartCamera for that camera only', async () => {
  site.calls.splice(0);
  const replies = await ask([
    ['dock/restart', ''],
    ['gate/restart', '{}'],
  ]);
  assert.deepEqual(replies, [
    { camera: 'dock', action: 'restart', ok: true },
    { camera: 'gate', action: 'restart', ok: true },
  ]);
  assert.deepEqual(site.calls, [
    { method: 'restartCamera', args: ['dock'] },
    { method: 'restartCamera', args: ['gate'] },
  ]);
});

test('a valid config calls SiteControl.updateCamera with the camera object, without the requestId', async () => {
  site.calls.splice(0);
  const body = { channel: 3, streams: { primary: 'rtsp://cam.local/1' }, tags: ['north'] };
  const [reply] = await ask([['gate/config', JSON.stringify({ requestId: 'cfg-1', ...body })]]);
  assert.deepEqual(reply, { requestId: 'cfg-1', camera: 'gate', action: 'config', ok: true });
  assert.deepEqual(site.calls, [{ method: 'updateCamera', args: ['gate', body] }]);
});

test('an unexpected failure inside the gateway is answered with E_MQTT_CONTROL_FAILED and its cause stays in the log', async () => {
  site.failNextWith = new Error('disk /var/lib/panoptes exploded');
  const [reply] = await ask([['gate/restart', '']]);
  assert.equal(reply?.ok, false);
  assert.equal(reply?.error?.code, 'E_MQTT_CONTROL_FAILED');
  assert.doesNotMatch(reply?.error?.message ?? '', /exploded/);
  assert.ok(
    lines.some((line) => line.includes('exploded')),
    'the cause is logged',
  );
});

/** A control instance without a broker, for topics a broker would never deliver. */
async function detachedControl(): Promise<{ control: MqttControl; replies: ControlReply[]; site: RecordingSite }> {
  const replies: ControlReply[] = [];
  const detachedSite = await seeded(new RecordingSite(), ['gate']);
  const control = new MqttControl({
    client: { publish: (_topic, payload) => replies.push(JSON.parse(payload) as ControlReply) },
    topics: mqttTopics(PREFIX),
    site: detachedSite,
    log: capturedLogger().log,
  });
  return { control, replies, site: detachedSite };
}

test('topic levels with MQTT wildcards are rejected', async () => {
  const { control, replies, site: detachedSite } = await detachedControl();
  for (const topic of [
    'ctl/control/cameras/+/restart',
    'ctl/control/cameras/#',
    'ctl/control/cameras/gate/+',
    'ctl/control/cameras/ga+te/restart',
    'other/control/cameras/gate/restart',
  ]) {
    await control.receive({ topic, payload: Buffer.alloc(0), retain: false });
  }
  assert.equal(replies.length, 5);
  assert.ok(replies.every((reply) => !reply.ok && reply.error?.code === INVALID));
  assert.deepEqual(detachedSite.calls, []);
});

test('a retained control message is not executed', async () => {
  const { control, replies, site: detachedSite } = await detachedControl();
  await control.receive({ topic: 'ctl/control/cameras/gate/restart', payload: Buffer.alloc(0), retain: true });
  assert.equal(replies[0]?.error?.code, INVALID);
  assert.match(replies[0]?.error?.message ?? '', /retain/);
  assert.deepEqual(detachedSite.calls, []);
});
