/**
 * The MQTT output: one mqtt.js client (MQTT 3.1.1, clean session) to the configured broker, or to the
 * embedded one when `mqtt.url` is null. Events and critical alerts go through the on-disk outbox
 * (appended first, published QoS 1, removed on PUBACK), so a broker outage or restart, or a gateway
 * restart, loses none that fit in the bound: delivery is at-least-once and a consumer dedupes on
 * (event.id, type, seq). Detections, health and metrics are QoS 0 and dropped (counted) while
 * disconnected: they are superseded within a second anyway. Availability is the last will.
 *
 * Nothing here may end the process: an outbox whose disk fails goes degraded (events are still
 * published from memory, health says so, see outbox.ts), and every mqtt.js callback is guarded, since
 * an exception thrown on mqtt.js's stack would be uncaught.
 */
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { DetectionEvent, EventMessage, EventPublisher } from '../../analytics/events.ts';
import type { CameraTransition } from '../../coordinator/camera-state.ts';
import type { SiteConfig } from '../../config/schema.ts';
import type { Secret } from '../../config/secret.ts';
import { maskUrl } from '../../ingest/mask-url.ts';
import type { DetectionsMessage, SiteControl } from '../site.ts';
import { CallbackGuard } from './callback-guard.ts';
import { MqttControl } from './control.ts';
import { requiresCredentials, startEmbeddedBroker, type BrokerCredentials, type EmbeddedBroker } from './embedded-broker.ts';
import { Outbox, outboxProblem, type DiskFailure, type OutboxRecord, type OutboxStats } from './outbox.ts';
import { currentStatusPayload, eventPayload, healthPayload, metricsSummaryPayload, transitionPayload } from './payloads.ts';
import { mqttTopics, type MqttTopics } from './topics.ts';

export type MqttConfig = SiteConfig['mqtt'];

export interface MqttOutputOptions {
  config: MqttConfig;
  site: SiteControl;
  log: Logger;
  /** True for events that also go to `{prefix}/alerts/critical` (camera `alerts.critical` and label in `alerts.labels`). */
  isCritical?: (event: Readonly<DetectionEvent>) => boolean;
  /** `{prefix}/gateway/health` period; default 30 s, 0 = never. */
  healthIntervalMs?: number;
  /** `{prefix}/gateway/metrics` period; default 60 s, 0 = never. */
  metricsIntervalMs?: number;
  /** Wait between reconnect attempts; default 1 s. */
  reconnectPeriodMs?: number;
  /** Outbox messages handed to the client before their PUBACKs; default 64. */
  inFlightWindow?: number;
  /** While the outbox's disk fails, how often it is tried again; default 5 s. */
  outboxRetryMs?: number;
  /** `http.tokens`: with any configured, the embedded broker requires one as the MQTT password. */
  tokens?: readonly Secret[];
}

export const DROP_REASONS = ['detections_disconnected', 'detections_backpressure', 'periodic_disconnected', 'outbox_full'] as const;
export type MqttDropReason = (typeof DROP_REASONS)[number];
export const PUBLISHED_KINDS = ['events', 'alerts', 'detections', 'status', 'health', 'metrics'] as const;
export type MqttPublishedKind = (typeof PUBLISHED_KINDS)[number];

export interface MqttOutputStats {
  connected: boolean;
  /** Successful connections (the first one included). */
  connects: number;
  /** Events and alerts: counted when the broker acknowledged them. */
  published: Record<MqttPublishedKind, number>;
  dropped: Record<MqttDropReason, number>;
  outbox: OutboxStats & { inFlight: number };
  control: { handled: number; rejected: number };
  /** Exceptions caught inside mqtt.js callbacks (a bug or a failing SiteControl call, never fatal). */
  callbackErrors: number;
}

const STOP_GRACE_MS = 2_000;
/** Deleted cameras whose retained status waits for a connection to be cleared; beyond this the oldest are left. */
const MAX_PENDING_CLEARS = 1_024;

export class MqttOutput implements EventPublisher {
  readonly topics: MqttTopics;
  readonly #options: MqttOutputOptions;
  readonly #log: Logger;
  readonly #published = Object.fromEntries(PUBLISHED_KINDS.map((kind) => [kind, 0])) as Record<MqttPublishedKind, number>;
  readonly #dropped = Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<MqttDropReason, number>;
  readonly #lastTransition = new Map<string, CameraTransition>();
  /** Cameras deleted while disconnected: their retained status is cleared on the next connect. */
  readonly #pendingClears = new Set<string>();
  readonly #cleanups: Array<() => void> = [];
  readonly #guard: CallbackGuard;
  #outbox: Outbox | undefined;
  #client: MqttClient | undefined;
  #broker: EmbeddedBroker | undefined;
  #control: MqttControl | undefined;
  /** Highest outbox seq handed to the client; the client itself re-sends what it holds after a reconnect. */
  #handedThrough = 0;
  #inFlight = 0;
  #connects = 0;
  #outageLogged = false;
  #stopping = false;

  constructor(options: MqttOutputOptions) {
    this.#options = options;
    this.#log = options.log.child({ module: 'mqtt' });
    this.#guard = new CallbackGuard(this.#log, 'mqtt callback failed; the output keeps running');
    this.topics = mqttTopics(options.config.prefix);
  }

  /** The broker URL in use (the embedded broker's once started), masked for logs. */
  get brokerUrl(): string {
    return maskUrl(this.#broker?.url ?? this.#options.config.url ?? '');
  }

  /**
   * Opens the outbox, starts the embedded broker when no URL is configured, and connects. Resolves
   * without waiting for the broker: events queue in the outbox until it answers.
   */
  async start(): Promise<void> {
    const { config, site } = this.#options;
    this.#outbox = Outbox.open({
      dir: config.outbox.dir,
      maxEvents: config.outbox.maxEvents,
      retryMs: this.#options.outboxRetryMs ?? 5_000,
      onDiskChange: (failure) => this.#onOutboxDisk(failure),
    });
    this.#cleanups.push(site.addHealthCheck(() => outboxProblem(config.outbox.dir, this.#outbox?.degraded ?? null)));
    const recovered = this.#outbox.stats();
    if (recovered.recovered > 0 || recovered.corruptLines > 0) {
      this.#log.info({ pending: recovered.recovered, corruptLines: recovered.corruptLines }, 'mqtt outbox recovered');
    }
    let login = { username: config.username?.reveal(), password: config.password?.reveal() };
    if (config.url === null) {
      const credentials: BrokerCredentials = {
        tokens: this.#options.tokens ?? [],
        ...(config.password === undefined ? {} : { user: { username: config.username?.reveal(), password: config.password } }),
      };
      try {
        this.#broker = await startEmbeddedBroker(config.embeddedPort, credentials, {
          prefix: this.topics.controlCamerasPrefix,
          clientId: config.clientId,
        });
      } catch (error) {
        this.#outbox.close();
        throw error;
      }
      // The gateway logs in to its own broker like any client: its mqtt.username/password, else a token.
      if (requiresCredentials(credentials) && login.password === undefined) {
        login = { username: login.username ?? config.clientId, password: credentials.tokens[0]?.reveal() };
      }
    }
    const url = this.#broker?.url ?? config.url ?? '';
    const client = connect(url, {
      clientId: config.clientId,
      username: login.username,
      password: login.password,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: this.#options.reconnectPeriodMs ?? 1_000,
      connectTimeout: 10_000,
      queueQoSZero: false,
      will: { topic: this.topics.availability, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    this.#client = client;
    this.#control = new MqttControl({ client, topics: this.topics, site, log: this.#log });
    client.on(
      'connect',
      this.#guard.wrap('connect', () => this.#onConnect()),
    );
    client.on(
      'close',
      this.#guard.wrap('close', () => this.#onClose()),
    );
    client.on(
      'error',
      this.#guard.wrap('error', (error: Error) => this.#onError(error)),
    );
    client.on(
      'message',
      this.#guard.wrap('message', (topic: string, payload: Buffer, packet: { retain: boolean }) => {
        this.#control?.receive({ topic, payload, retain: packet.retain }).catch((error: unknown) => this.#guard.failed('message', error));
      }),
    );
    client.subscribe(this.topics.controlSubscription, { qos: 1 });
    this.#cleanups.push(
      site.onEvent((message) => this.publish(message)),
      site.onDetections((message) => this.#publishDetections(message)),
      site.onTransition((transition) => this.#publishTransition(transition)),
      site.onCameraRemoved((camera) => this.#clearStatus(camera)),
    );
    this.#every(this.#options.healthIntervalMs ?? 30_000, 'health', () => healthPayload(site, Date.now()));
    this.#every(this.#options.metricsIntervalMs ?? 60_000, 'metrics', () => metricsSummaryPayload(site, this.stats(), Date.now()));
    this.#log.info({ broker: this.brokerUrl, embedded: this.#broker !== undefined }, 'mqtt output started');
  }

  /** EventPublisher: the event goes to the outbox, then to `{prefix}/events/{camera}` (and the alert topic). */
  publish(message: EventMessage): void {
    const outbox = this.#outbox;
    if (outbox === undefined || this.#stopping) return;
    const before = outbox.stats().droppedOldest;
    outbox.append(this.topics.events(message.event.camera), (seq) => eventPayload(seq, message));
    if (message.type === 'start' && this.#options.isCritical?.(message.event) === true) {
      outbox.append(this.topics.alerts, (seq) => eventPayload(seq, message));
    }
    const dropped = outbox.stats().droppedOldest - before;
    if (dropped > 0)
      this.#log.warn({ dropped, maxEvents: this.#options.config.outbox.maxEvents }, 'mqtt outbox full: oldest events dropped');
    this.#pump();
  }

  stats(): MqttOutputStats {
    const outbox = this.#outbox?.stats() ?? {
      depth: 0,
      appended: 0,
      acked: 0,
      droppedOldest: 0,
      corruptLines: 0,
      recovered: 0,
      degraded: null,
      bypassed: { disk_full: 0, read_only: 0, permission_denied: 0, io_error: 0, other: 0 },
    };
    return {
      connected: this.#client?.connected === true,
      connects: this.#connects,
      published: { ...this.#published },
      dropped: { ...this.#dropped, outbox_full: outbox.droppedOldest },
      outbox: { ...outbox, inFlight: this.#inFlight },
      control: this.#control?.stats() ?? { handled: 0, rejected: 0 },
      callbackErrors: this.#guard.failures,
    };
  }

  /**
   * Publishes the retained `offline` (a clean disconnect sends no will), disconnects, flushes the outbox
   * (undelivered events stay on disk for the next start) and stops the embedded broker. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    const client = this.#client;
    if (client !== undefined) {
      if (client.connected) {
        const offline = client.publishAsync(this.topics.availability, 'offline', { qos: 1, retain: true }).catch(() => undefined);
        await Promise.race([offline, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
      }
      await client.endAsync(true);
    }
    this.#outbox?.close();
    // A compaction the close abandoned removes its temporary file.
    await this.#outbox?.idle();
    await this.#broker?.stop();
    this.#log.info({ pending: this.#outbox?.depth ?? 0 }, 'mqtt output stopped');
  }

  #onConnect(): void {
    const client = this.#client;
    if (client === undefined || this.#stopping) return;
    this.#connects += 1;
    this.#outageLogged = false;
    this.#log.info({ broker: this.brokerUrl, pending: this.#outbox?.depth ?? 0 }, 'mqtt connected');
    client.publish(this.topics.availability, 'online', { qos: 1, retain: true });
    for (const camera of this.#pendingClears) client.publish(this.topics.status(camera), '', { qos: 1, retain: true });
    this.#pendingClears.clear();
    const now = Date.now();
    for (const camera of this.#options.site.cameras()) {
      const payload = currentStatusPayload(camera.id, camera.state, this.#lastTransition.get(camera.id), now);
      client.publish(this.topics.status(camera.id), payload, { qos: 1, retain: true });
      this.#published.status += 1;
    }
    this.#pump();
  }

  #onClose(): void {
    if (this.#stopping || this.#outageLogged) return;
    this.#outageLogged = true;
    this.#log.warn(
      { broker: this.brokerUrl, pending: this.#outbox?.depth ?? 0 },
      'mqtt disconnected; events queue in the outbox until the broker is back',
    );
  }

  #onError(error: Error): void {
    // mqtt.js reports each failed reconnect; the outage itself is logged once by #onClose.
    this.#log.debug({ err: { message: maskUrl(error.message), code: (error as NodeJS.ErrnoException).code } }, 'mqtt client error');
  }

  /** Hands the next outbox records to the client, at most `inFlightWindow` unacknowledged. */
  #pump(): void {
    const client = this.#client;
    const outbox = this.#outbox;
    if (client === undefined || outbox === undefined || !client.connected || this.#stopping) return;
    const room = (this.#options.inFlightWindow ?? 64) - this.#inFlight;
    if (room <= 0) return;
    for (const record of outbox.after(this.#handedThrough, room)) {
      this.#handedThrough = record.seq;
      this.#inFlight += 1;
      client.publish(
        record.topic,
        record.payload,
        { qos: 1 },
        this.#guard.wrap('puback', (error?: Error | null) => this.#onPuback(record, error)),
      );
    }
  }

  /** mqtt.js passes null, not undefined, on success. */
  #onPuback(record: OutboxRecord, error: Error | null | undefined): void {
    this.#inFlight -= 1;
    // On stop the client fails what it still holds; those records stay on disk for the next start.
    if (this.#stopping) return;
    if (error !== undefined && error !== null) {
      this.#log.warn({ err: { message: error.message }, seq: record.seq }, 'mqtt event publish failed; it is sent again');
      this.#handedThrough = Math.min(this.#handedThrough, record.seq - 1);
      return;
    }
    if (this.#outbox?.ack(record.seq) === true) {
      this.#published[record.topic === this.topics.alerts ? 'alerts' : 'events'] += 1;
    }
    this.#pump();
  }

  /** Once on entry and once on recovery, never per event. */
  #onOutboxDisk(failure: DiskFailure | null): void {
    const { dir } = this.#options.config.outbox;
    if (failure !== null) {
      this.#log.error(
        { dir, code: failure.code, reason: failure.message },
        'mqtt outbox cannot be written: events are published from memory without the disk guarantee until it can',
      );
    } else {
      this.#log.info(
        { dir, pending: this.#outbox?.depth ?? 0, bypassed: this.#outbox?.stats().bypassed },
        'mqtt outbox can be written again: pending events are on disk',
      );
    }
  }

  #publishDetections(message: DetectionsMessage): void {
    // The embedded broker takes them in-process (aedes applies its own backpressure to slow
    // subscribers), and only when a client is subscribed: nobody else would see them.
    const broker = this.#broker;
    if (broker !== undefined) {
      const topic = this.topics.detections(message.camera);
      if (!broker.wanted(topic)) return;
      broker.publish(topic, JSON.stringify(message));
      this.#published.detections += 1;
      return;
    }
    const client = this.#client;
    if (client === undefined || !client.connected) {
      this.#dropped.detections_disconnected += 1;
      return;
    }
    // A broker that reads slower than cameras detect would otherwise grow the socket buffer without bound.
    if (client.stream.writableNeedDrain === true) {
      this.#dropped.detections_backpressure += 1;
      return;
    }
    client.publish(this.topics.detections(message.camera), JSON.stringify(message), { qos: 0 });
    this.#published.detections += 1;
  }

  #publishTransition(transition: CameraTransition): void {
    this.#lastTransition.set(transition.camera, transition);
    const client = this.#client;
    // While disconnected nothing is lost: the current state of every camera is published on connect.
    if (client === undefined || !client.connected) return;
    client.publish(this.topics.status(transition.camera), transitionPayload(transition), { qos: 1, retain: true });
    this.#published.status += 1;
  }

  /**
   * A deleted camera's retained status would stay on the broker for good: an empty retained payload
   * is how MQTT removes it. Published after the camera's last transition (DISABLED), in order.
   */
  #clearStatus(camera: string): void {
    this.#lastTransition.delete(camera);
    const client = this.#client;
    if (client === undefined || !client.connected) {
      if (this.#pendingClears.size >= MAX_PENDING_CLEARS) {
        const oldest = this.#pendingClears.values().next().value as string;
        this.#pendingClears.delete(oldest);
        this.#log.warn({ camera: oldest }, "too many deleted cameras while disconnected: this one's retained status is left on the broker");
      }
      this.#pendingClears.add(camera);
      return;
    }
    client.publish(this.topics.status(camera), '', { qos: 1, retain: true });
  }

  #every(intervalMs: number, kind: 'health' | 'metrics', payload: () => string): void {
    if (intervalMs <= 0) return;
    const topic = kind === 'health' ? this.topics.health : this.topics.metrics;
    const timer = setInterval(() => {
      const client = this.#client;
      if (client === undefined || !client.connected) {
        this.#dropped.periodic_disconnected += 1;
        return;
      }
      try {
        client.publish(topic, payload(), { qos: 0 });
        this.#published[kind] += 1;
      } catch (error) {
        this.#log.warn({ err: error, kind }, 'mqtt periodic summary failed');
      }
    }, intervalMs);
    timer.unref();
    this.#cleanups.push(() => clearInterval(timer));
  }
}
