/**
 * Events a killed gateway left running reach the outputs when the next one starts: `panoptes start`
 * with a camera whose object never leaves (so its event is always running), publishing to a real
 * mosquitto, killed with SIGKILL twice; and, in process, a WebSocket client of a site told to announce.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import { pino } from 'pino';
import type { DetectionEvent } from '../../src/analytics/events.ts';
import { parseConfig } from '../../src/config/load.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { startHttpServer } from '../../src/outputs/http/server.ts';
import { Site } from '../../src/site/site.ts';
import { Storage } from '../../src/storage/storage.ts';
import { kill9, startGateway, stopGateway, writeSweepingBoxSite } from '../support/gateway-process.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { scratchStorageDir } from '../support/storage-dir.ts';
import { waitFor } from '../support/wait.ts';
import { FeedClient } from '../outputs/ws/feed-client.ts';
import { makeEvent, message } from '../storage/events.ts';

interface Received {
  seq: number;
  type: string;
  event: DetectionEvent;
}

let broker: Mosquitto;
let subscriber: mqtt.MqttClient;
const received: Received[] = [];

before(async () => {
  broker = await startMosquitto();
  subscriber = await mqtt.connectAsync(broker.url);
  subscriber.on('message', (topic, payload) => {
    if (topic === 'panoptes/events/yard') received.push(JSON.parse(payload.toString('utf8')) as Received);
  });
  await subscriber.subscribeAsync('panoptes/events/#', { qos: 1 });
});
after(async () => {
  await subscriber?.endAsync();
  await broker?.dispose();
});

const endsOf = (id: string) => received.filter((m) => m.type === 'end' && m.event.id === id);

/** The newest event of camera yard still running, once the API (which commits first) has it. */
async function runningEvent(api: string, notId: string | null): Promise<DetectionEvent> {
  let found: DetectionEvent | undefined;
  await waitFor('a running event of yard stored', async () => {
    const started = received.find((m) => m.type === 'start' && m.event.id !== notId && endsOf(m.event.id).length === 0);
    if (started === undefined) return false;
    const answer = await fetch(`${api}/events/${encodeURIComponent(started.event.id)}`);
    if (answer.status !== 200) return false;
    const stored = (await answer.json()) as DetectionEvent;
    if (stored.endMs !== null) return false;
    found = stored;
    return true;
  });
  return found as DetectionEvent;
}

/** Every event the outbox holds was acknowledged by the broker, so none comes back as a redelivery. */
async function outboxDrained(api: string): Promise<void> {
  await waitFor('the MQTT outbox to drain', async () =>
    /^panoptes_mqtt_outbox_depth 0$/m.test(await (await fetch(`${api}/metrics`)).text()),
  );
}

test('an event left running by kill -9 is ended at the next start and its end reaches an MQTT subscriber once, and never again after another restart', async () => {
  const dir = scratchStorageDir();
  const configFile = writeSweepingBoxSite(
    dir,
    `mqtt: { url: "${broker.url}", outbox: { dir: ${JSON.stringify(path.join(dir, 'outbox'))} } }\n`,
  );

  // Run 1: the event starts, is committed, and the gateway is killed while it runs.
  const first = await startGateway(configFile);
  const open = await runningEvent(first.api, null);
  await kill9(first);
  const killedMs = Date.now();

  // Run 2: its end reaches the subscriber, ended at the last commit before the kill, marked as a restart end.
  const second = await startGateway(configFile);
  try {
    await waitFor(`the end of ${open.id}`, () => endsOf(open.id).length > 0);
    const [end] = endsOf(open.id);
    assert.ok(end);
    assert.equal(end.event.endReason, 'restart');
    assert.ok(end.event.endMs !== null && end.event.endMs >= open.startMs && end.event.endMs <= killedMs, `end ${end.event.endMs}`);
    assert.equal(end.event.camera, 'yard');
    assert.equal(end.event.label, 'motion');
    const stored = (await (await fetch(`${second.api}/events/${encodeURIComponent(open.id)}`)).json()) as DetectionEvent;
    assert.equal(stored.endMs, end.event.endMs, 'the API shows the same end');
    assert.equal(stored.endReason, 'restart');
    assert.ok(second.log.some((l) => l.includes('"events ended at restart announced to the outputs"')));

    // Killed again, with the next event running.
    const next = await runningEvent(second.api, open.id);
    await outboxDrained(second.api);
    await kill9(second);

    // Run 3: the second event's end comes; the first one's does not come again.
    const third = await startGateway(configFile);
    try {
      await waitFor(`the end of ${next.id}`, () => endsOf(next.id).length > 0);
      assert.equal(endsOf(next.id)[0]?.event.endReason, 'restart');
      assert.equal(endsOf(open.id).length, 1, 'the first end was sent once, over three runs');
      assert.equal(endsOf(next.id).length, 1);
    } finally {
      await stopGateway(third);
    }
  } finally {
    await kill9(second);
  }
});

test('a WebSocket client connected when the site announces gets the restart end as an event message with phase end, and a second announcement sends nothing', async () => {
  const dir = scratchStorageDir();
  const settings = { dir, retention: { eventsDays: 365 } };
  const running = makeEvent({ n: 1, camera: 'gate', startMs: Date.now() - 5000 });
  // A run that never ended its event (the storage closed under it, as a kill leaves it).
  const killed = Storage.open(settings, { logger: pino({ level: 'silent' }) });
  killed.events.record(message('start', running));
  await killed.close();

  const config = parseConfig(`storage: { dir: ${JSON.stringify(dir)} }\ninference: { backend: { type: motion } }\ncameras: []\n`, {
    env: {},
  });
  const site = await Site.start(config, { ffmpeg: resolveFfmpeg(), logger: pino({ level: 'silent' }) });
  const http = await startHttpServer({
    site,
    host: '127.0.0.1',
    port: 0,
    tokens: [],
    bodyLimitBytes: 1024,
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    logger: pino({ level: 'silent' }),
  });
  const client = await FeedClient.open(`ws://127.0.0.1:${http.port}/ws`);
  try {
    assert.equal((await client.nextJson())['type'], 'ready');
    client.send({ type: 'subscribe', all: true });
    assert.equal((await client.nextJson())['type'], 'subscribed');
    assert.equal(site.announceRestartEnds(), 1);
    const sent = await client.nextJson();
    assert.equal(sent['type'], 'event');
    assert.equal(sent['phase'], 'end');
    const event = sent['event'] as DetectionEvent;
    assert.equal(event.id, running.id);
    assert.equal(event.endReason, 'restart');
    assert.equal(event.endMs, site.storage.interrupted[0]?.endMs);
    assert.equal(site.announceRestartEnds(), 0, 'announced once');
  } finally {
    client.close();
    http.close();
    await site.stop();
  }
});
