/**
 * Secrets planted in every form a camera URL can hold them (literal user:password, a password with
 * '@' and ':', `?password=`, `?token=`, other secret parameters, percent-encoded, in primary and
 * secondary streams, in the YAML, in REST bodies, in the compat API and an MQTT control request),
 * then the real gateway (`panoptes start`, debug logging, ffmpeg against a password-protected RTSP
 * server, an unresolvable host, a refused port) is driven through its whole API while a WebSocket
 * client and an MQTT subscriber on `#` listen. No secret may appear in any HTTP answer, WebSocket or
 * MQTT message, log line, or the outbox file.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { startRtspServer, type RtspServer } from '../support/rtsp-server.ts';
import { waitFor } from '../support/wait.ts';

const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const TOKEN = 'ApiTokenSecret0';
// The RTSP server's real credentials: ffmpeg has to log in with them, '@' and ':' in the password.
const RTSP_USER = 'UserSecretA';
const RTSP_PASSWORD = 'Pw:Secret1@Tail15';
const SECRETS = [
  TOKEN,
  RTSP_USER,
  RTSP_PASSWORD,
  'Secret1',
  'Tail15',
  'QrySecret2',
  'TokSecret3',
  'PctSecret4',
  'DnsUserSecret',
  'DnsSecret5',
  'PwdSecret6',
  'AccSecret7',
  'PostSecret8',
  'AuthSecret9',
  'PutSecret10',
  'CompatSecret11',
  'MqttSecret12',
  'ErrSecret13',
  'KeySecret14',
];
// Each also percent-encoded, as ffmpeg or a URL serializer may print it.
const FORBIDDEN = [...new Set(SECRETS.flatMap((s) => [s, encodeURIComponent(s)]))];

let rtsp: RtspServer;
let gateway: ChildProcessByStdio<null, Readable, Readable>;
let dir: string;
let api = '';
let wsUrl = '';
let brokerUrl = '';
const output: string[] = [];
/** Every text that left the gateway, labelled by where it was seen. */
const seen: Array<[string, string]> = [];

const lines = (): Array<Record<string, unknown>> =>
  output
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

function siteYaml(): string {
  // A bright box crossing a dark scene every 4 s: motion events through the outbox, MQTT and the WebSocket.
  const scene =
    "lavfi:color=c=0x202020:size=640x360:rate=5[bg];color=c=0xe0e0e0:size=60x60:rate=5[a];[bg][a]overlay=x='mod(t*200,800)-60':y=150,format=gray";
  const live = rtsp.url(0).replace('rtsp://', `rtsp://${RTSP_USER}:${RTSP_PASSWORD}@`);
  const cameras = [
    // Moving boxes, so events flow through the outbox, MQTT and the WebSocket.
    { id: 'scene', channel: 1, streams: { primary: scene }, ai: { fps: 5, width: 640, height: 360, format: 'gray' } },
    { id: 'lit', channel: 2, streams: { primary: live }, ai: { fps: 5, width: 320, height: 180 } },
    {
      id: 'qry',
      channel: 3,
      streams: { primary: 'http://127.0.0.1:9/video.mjpg?user=x&password=QrySecret2&token=TokSecret3&key=KeySecret14' },
    },
    { id: 'pct', channel: 4, streams: { primary: 'rtsp://admin:PctSecret4%40x@127.0.0.1:9/s' } },
    {
      id: 'dns',
      channel: 5,
      streams: {
        primary: 'rtsps://DnsUserSecret:DnsSecret5@cam.invalid/s?pwd=PwdSecret6',
        secondary: 'rtsp://cam.invalid/sub?access_token=AccSecret7',
      },
    },
  ];
  return JSON.stringify({
    http: { host: '127.0.0.1', port: 0, tokens: ['${API_TOKEN}'] },
    mqtt: { url: null, embeddedPort: 0, outbox: { dir: path.join(dir, 'outbox') } },
    storage: { dir: path.join(dir, 'storage') },
    inference: { backend: { type: 'motion' } },
    defaults: { lifecycle: { backoff: { initialMs: 500, maxMs: 2000 } }, objects: { '*': { minScore: 0.3 } } },
    cameras,
  });
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'panoptes-surface-'));
  rtsp = await startRtspServer({ mounts: 1, width: 320, height: 180, fps: 5, user: RTSP_USER, password: RTSP_PASSWORD });
  const file = path.join(dir, 'site.yaml');
  writeFileSync(file, siteYaml());
  gateway = spawn(process.execPath, ['--import', 'tsx', cli, 'start', '--config', file], {
    env: { ...process.env, PANOPTES_LOG_FORMAT: 'json', PANOPTES_LOG_LEVEL: 'debug', API_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gateway.stdout.setEncoding('utf8').on('data', (d: string) => output.push(d));
  gateway.stderr.setEncoding('utf8').on('data', (d: string) => output.push(d));
  await waitFor('the gateway is running', () => lines().some((l) => l['msg'] === 'panoptes is running'), 60_000);
  const running = lines().find((l) => l['msg'] === 'panoptes is running') as Record<string, unknown>;
  api = String(running['api']);
  wsUrl = String(running['ws']);
  brokerUrl = String(running['mqtt']);
});

after(async () => {
  if (gateway.exitCode === null) gateway.kill('SIGKILL');
  await rtsp.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${api.replace(/\/api\/v1$/, '')}${route}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  seen.push([`${method} ${route} -> ${res.status}`, `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`]);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* Prometheus text */
  }
  return { status: res.status, json };
}

test('no secret reaches an HTTP answer, a WebSocket or MQTT message, a log line or the outbox', async () => {
  const [host, port] = brokerUrl.replace('mqtt://', '').split(':');
  const subscriber = await mqtt.connectAsync({ host, port: Number(port), protocolVersion: 4, username: 'test', password: TOKEN });
  subscriber.on('message', (topic, payload) => seen.push([`mqtt ${topic}`, `${topic}\n${payload.toString('utf8')}`]));
  await subscriber.subscribeAsync('#', { qos: 1 });
  const ws = new WebSocket(`${wsUrl}?token=${TOKEN}`);
  ws.on('message', (data, binary) => {
    if (!binary) seen.push(['ws', String(data)]);
  });
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'subscribe', all: true }));

  const camera = async (id: string) => (await call('GET', `/api/v1/cameras/${id}`)).json;
  await waitFor(
    'the RTSP camera logs in with its password and goes ONLINE',
    async () => (await camera('lit'))['state'] === 'ONLINE',
    60_000,
  );
  await waitFor('the unresolvable camera fails as dns', async () => (await camera('dns'))['lastError'] !== null, 60_000);
  assert.equal(((await camera('dns'))['lastError'] as { kind: string }).kind, 'dns');
  await waitFor(
    'the refused cameras report an error',
    async () => (await camera('qry'))['lastError'] !== null && (await camera('pct'))['lastError'] !== null,
    60_000,
  );

  const added = await call('POST', '/api/v1/cameras', {
    id: 'posted',
    channel: 6,
    streams: { primary: 'rtsp://ops:PostSecret8@127.0.0.1:9/x?auth=AuthSecret9' },
  });
  assert.equal(added.status, 201);
  assert.equal(
    (await call('PUT', '/api/v1/cameras/posted', { channel: 6, streams: { primary: 'rtsp://ops:PutSecret10@127.0.0.1:9/x' } })).status,
    200,
  );
  assert.equal(
    (await call('PUT', '/api/v1/cameras/posted', { id: 'other', channel: 6, streams: { primary: 'rtsp://ops:ErrSecret13@h/x' } })).status,
    400,
  );
  assert.equal(
    (
      await call('POST', '/api/v1/cameras', {
        id: 'bad',
        channel: 'x',
        streams: { primary: 'rtsp://u:ErrSecret13@h/', extra: 'ErrSecret13' },
      })
    ).status,
    400,
  );
  assert.equal(
    (await call('POST', '/camera/start', { camera_id: 'legacy', rtsp_link: 'rtsp://old:CompatSecret11@127.0.0.1:9/y' })).status,
    200,
  );
  await call('GET', '/camera/status');
  await call('POST', '/camera/stop', { camera_id: 'legacy' });
  subscriber.publish(
    'panoptes/control/cameras/posted/config',
    JSON.stringify({
      requestId: 'm1',
      channel: 6,
      streams: { primary: 'rtsp://mq:MqttSecret12@127.0.0.1:9/z' },
    }),
    { qos: 1 },
  );
  await waitFor(
    'the MQTT control reply',
    () => seen.some(([where, text]) => where === 'mqtt panoptes/control/replies' && text.includes('"m1"')),
    30_000,
  );
  for (const action of ['restart', 'disable', 'enable'])
    assert.equal((await call('POST', `/api/v1/cameras/lit/${action}`)).status, 200, action);
  await waitFor(
    'events on MQTT and the WebSocket',
    () =>
      seen.some(([where]) => where.startsWith('mqtt panoptes/events/')) &&
      seen.some(([where, text]) => where === 'ws' && text.includes('"type":"event"')),
    60_000,
  );
  for (const id of ['scene', 'lit', 'qry', 'pct', 'dns', 'posted', 'legacy']) {
    await call('GET', `/api/v1/cameras/${id}`);
    await call('GET', `/api/v1/streams/${id}/status`);
    await call('GET', `/api/v1/streams/${id}/stats`);
  }
  for (const route of [
    '/api/v1/cameras',
    '/api/v1/status',
    '/api/v1/health',
    '/api/v1/health/detailed',
    '/api/v1/metrics',
    '/api/v1/events',
    '/api/v1/openapi.json',
  ]) {
    await call('GET', route);
  }
  assert.equal((await call('DELETE', '/api/v1/cameras/legacy')).status, 204);

  ws.close();
  await subscriber.endAsync();
  gateway.kill('SIGTERM');
  await once(gateway, 'exit');
  seen.push(['log', output.join('')]);
  const outboxDir = path.join(dir, 'outbox');
  for (const name of existsSync(outboxDir) ? readdirSync(outboxDir) : [])
    seen.push([`outbox ${name}`, readFileSync(path.join(outboxDir, name), 'utf8')]);

  assert.ok(
    seen.some(([where]) => where.startsWith('mqtt panoptes/streams/status/')),
    'retained camera status was seen',
  );
  assert.ok(
    seen.some(([where, text]) => where === 'ws' && text.includes('"type":"state"')),
    'WebSocket state messages were seen',
  );
  assert.ok(
    lines().some((l) => l['level'] === 20 && typeof l['msg'] === 'string' && /Input #0|Stream #0/.test(l['msg'])),
    'ffmpeg stderr was logged at debug',
  );
  const leaks = seen.flatMap(([where, text]) =>
    FORBIDDEN.filter((secret) => text.includes(secret)).map((secret) => {
      const at = text.indexOf(secret);
      return `${secret} in ${where}: ...${text.slice(Math.max(0, at - 80), at + 40)}...`;
    }),
  );
  assert.deepEqual(leaks, []);
});
