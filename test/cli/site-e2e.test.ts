import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { startRtspServer, type RtspServer } from '../support/rtsp-server.ts';
import { waitFor } from '../support/wait.ts';
import { demoEnv } from '../support/demo-env.ts';

// The whole product as an operator runs it: `panoptes demo` (3 cameras of people from real photos)
// publishing to a real mosquitto, a real WebSocket client, and the REST API adding a password-protected
// camera served by GStreamer's RTSP server.
const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const PASSWORD = 's3cret:p@ss';
let broker: Mosquitto;
let rtsp: RtspServer;
let gateway: ChildProcessByStdio<null, Readable, Readable>;
const output: string[] = [];
let api = '';
let wsUrl = '';

const lines = (): Array<Record<string, unknown>> =>
  output
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

before(async () => {
  [broker, rtsp] = await Promise.all([
    startMosquitto(),
    startRtspServer({ mounts: 1, width: 320, height: 180, fps: 5, user: 'viewer', password: PASSWORD }),
  ]);
  gateway = spawn(process.execPath, ['--import', 'tsx', cli, 'demo', '--cameras', '3', '--size', '320x180'], {
    env: { ...process.env, ...demoEnv(), PANOPTES_MQTT_URL: broker.url, CAM_PASS: PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gateway.stdout.setEncoding('utf8').on('data', (d: string) => output.push(d));
  gateway.stderr.setEncoding('utf8').on('data', (d: string) => output.push(d));
  await waitFor('the gateway is running', () => lines().some((l) => l['msg'] === 'panoptes is running'), 60_000);
  const running = lines().find((l) => l['msg'] === 'panoptes is running') as Record<string, unknown>;
  api = String(running['api']);
  wsUrl = String(running['ws']);
});
after(async () => {
  if (gateway.exitCode === null) gateway.kill('SIGKILL');
  await Promise.all([broker.dispose(), rtsp.stop()]);
});

test('events reach a mosquitto subscriber and detections, events and state changes a WebSocket client', async () => {
  const subscriber = await mqtt.connectAsync(broker.url);
  const mqttTopics: string[] = [];
  const eventLabels = new Map<string, string>();
  subscriber.on('message', (topic, payload) => {
    mqttTopics.push(topic);
    if (topic.startsWith('panoptes/events/')) {
      const { event } = JSON.parse(payload.toString()) as { event: { camera: string; label: string } };
      eventLabels.set(event.camera, event.label);
    }
  });
  await subscriber.subscribeAsync(['panoptes/events/#', 'panoptes/streams/status/#', 'panoptes/gateway/availability'], { qos: 1 });
  const ws = new WebSocket(wsUrl);
  const wsTypes: string[] = [];
  ws.on('message', (data, binary) => {
    if (!binary) wsTypes.push(String((JSON.parse(String(data)) as { type: string }).type));
  });
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'subscribe', all: true }));
  await waitFor('an event on MQTT', () => mqttTopics.some((t) => t.startsWith('panoptes/events/')), 60_000);
  await waitFor('detections and an event on the WebSocket', () => wsTypes.includes('detections') && wsTypes.includes('event'), 60_000);
  // The shipped NanoDet labels the people of the demo's real-photo scenes, and nothing else is in them.
  await waitFor('a person event from the plaza', () => eventLabels.get('plaza') === 'person', 60_000);
  assert.deepEqual([...new Set(eventLabels.values())], ['person'], 'every event of the demo is a person');
  assert.ok(mqttTopics.includes('panoptes/gateway/availability'), 'availability is retained');
  assert.ok(
    mqttTopics.some((t) => t.startsWith('panoptes/streams/status/')),
    'camera status is retained',
  );
  ws.close();
  await subscriber.endAsync();
});

test('the REST API adds an RTSP camera, stops and starts its stream, and deletes it, never showing its password', async () => {
  const json = async (
    method: string,
    route: string,
    body?: unknown,
  ): Promise<{ status: number; text: string; body: Record<string, unknown> }> => {
    const res = await fetch(`${api}${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const url = rtsp.url(0).replace('rtsp://', 'rtsp://viewer:${CAM_PASS}@');
  const added = await json('POST', '/cameras', {
    id: 'side-door',
    channel: 40,
    streams: { primary: url },
    ai: { fps: 5, width: 320, height: 180 },
  });
  assert.equal(added.status, 201, added.text);
  const state = async (): Promise<string> => String((await json('GET', '/streams/side-door/status')).body['state']);
  await waitFor('the RTSP camera is ONLINE', async () => (await state()) === 'ONLINE', 60_000);
  assert.equal((await json('POST', '/streams/side-door/stop')).status, 200);
  assert.equal(await state(), 'DISABLED');
  assert.equal((await json('POST', '/streams/side-door/start')).status, 200);
  await waitFor('ONLINE again after start', async () => (await state()) === 'ONLINE', 60_000);
  const listed = await json('GET', '/cameras');
  assert.equal(listed.status, 200);
  assert.equal((await json('POST', '/cameras', { id: 'side-door', channel: 41, streams: { primary: url } })).status, 409);
  assert.equal((await json('POST', '/cameras', { id: 'bad', channel: 'x', streams: { primary: url } })).status, 400);
  assert.equal((await json('DELETE', '/cameras/side-door')).status, 204);
  assert.equal((await json('GET', '/cameras/side-door')).status, 404);
  const metrics = await (await fetch(`${api}/metrics`)).text();
  for (const text of [listed.text, added.text, metrics, output.join('')]) {
    assert.ok(!text.includes(PASSWORD) && !text.includes(encodeURIComponent(PASSWORD)), 'the password never appears');
  }
});

test('SIGTERM stops the gateway cleanly within 10 s', async () => {
  const started = Date.now();
  gateway.kill('SIGTERM');
  const [code] = (await once(gateway, 'exit')) as [number | null];
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 10_000, `stopped in ${Date.now() - started} ms`);
  assert.ok(lines().some((l) => l['msg'] === 'stopped'));
});
