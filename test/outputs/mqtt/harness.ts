/**
 * What the MQTT output tests share: a SiteControl (the HTTP tests' recording one, which keeps the
 * interface's contract: unknown ids throw CameraNotFoundError, bodies are validated with the config's
 * camera schema; the gateway's real one is tested by the site wiring), a pino logger whose lines are
 * captured, an MQTT subscriber that collects what it receives, and event factories.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import type { DetectionEvent, EventMessage, EventMessageType } from '../../../src/analytics/events.ts';
import { siteConfigSchema } from '../../../src/config/schema.ts';
import type { MqttConfig } from '../../../src/outputs/mqtt/publisher.ts';
import type { CameraStatus } from '../../../src/outputs/site.ts';
import { RecordingSite } from '../../support/recording-site.ts';

export { RecordingSite };

/** `site` with cameras `ids` added (channels 1, 2, ...) and its call record cleared. */
export async function seeded<T extends RecordingSite>(site: T, ids: string[]): Promise<T> {
  for (const [index, id] of ids.entries()) {
    await site.addCamera({ id, channel: index + 1, streams: { primary: `rtsp://cam-${id}.local/stream` } });
  }
  site.calls.splice(0);
  return site;
}

/** Throws `failNextWith` from the next control call: an unexpected failure inside the gateway. */
export class FailingSite extends RecordingSite {
  failNextWith: Error | null = null;

  override async restartCamera(id: string): Promise<CameraStatus> {
    this.#takeFailure();
    return super.restartCamera(id);
  }

  override async updateCamera(id: string, input: unknown): Promise<CameraStatus> {
    this.#takeFailure();
    return super.updateCamera(id, input);
  }

  #takeFailure(): void {
    const failure = this.failNextWith;
    this.failNextWith = null;
    if (failure !== null) throw failure;
  }
}

/** A pino logger at debug level whose JSON lines land in `lines`. */
export function capturedLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}

export interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

export interface Subscriber {
  client: MqttClient;
  messages: Received[];
  on(topic: string): Received[];
  close(): Promise<void>;
}

/** A real mqtt.js client subscribed (QoS 1) to `topics`, collecting every message. */
export async function subscribe(url: string, topics: string[], options: IClientOptions = {}): Promise<Subscriber> {
  const client = await connectAsync(url, { protocolVersion: 4, reconnectPeriod: 100, ...options });
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString('utf8'), qos: packet.qos, retain: packet.retain });
  });
  if (topics.length > 0) await client.subscribeAsync(topics, { qos: 1 });
  return {
    client,
    messages,
    on: (topic) => messages.filter((message) => message.topic === topic),
    close: () => client.endAsync(true),
  };
}

export function mqttConfig(overrides: Partial<Omit<MqttConfig, 'outbox'>> & { outbox?: Partial<MqttConfig['outbox']> }): MqttConfig {
  const base = siteConfigSchema.parse({}).mqtt;
  return { ...base, ...overrides, outbox: { ...base.outbox, ...overrides.outbox } };
}

export function scratchDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-mqtt-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

let eventCounter = 0;

export function eventMessage(camera: string, type: EventMessageType = 'start', label = 'person', id?: string): EventMessage {
  eventCounter += 1;
  const box = { x: 10, y: 20, width: 30, height: 40 };
  const event: DetectionEvent = {
    id: id ?? `1700000000000-t${eventCounter}`,
    camera,
    label,
    score: 0.9,
    box,
    trackId: eventCounter,
    startMs: 1_700_000_000_000,
    endMs: type === 'end' ? 1_700_000_001_000 : null,
    bestShot: null,
    zones: [],
    face: null,
  };
  return { type, event: Object.freeze(event) };
}

/** A payload of `{prefix}/events/...` as consumers read it. */
export interface ReceivedEvent {
  seq: number;
  type: EventMessageType;
  event: DetectionEvent;
}

export function parseEvent(message: Received): ReceivedEvent {
  return JSON.parse(message.payload) as ReceivedEvent;
}
