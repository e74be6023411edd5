/**
 * Camera control over MQTT: `{prefix}/control/cameras/<camera>/restart` and `.../<camera>/config`.
 * Everything under `{prefix}/control/cameras/#` is read, so a malformed topic gets a reply too. Every
 * request is answered once on `{prefix}/control/replies` with
 * `{requestId?, camera, action, ok, error?: {code, message}}`; nothing a client sends can throw out
 * of here. Requests run one at a time in arrival order, so two restarts of a camera never overlap and
 * replies come in request order.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { cameraIdSchema } from '../../config/camera-schema.ts';
import { MqttControlFailedError, MqttControlInvalidError, PanoptesError } from '../../errors.ts';
import type { SiteControl } from '../site.ts';
import type { MqttTopics } from './topics.ts';

export const CONTROL_ACTIONS = ['restart', 'config'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** A camera config is small; anything bigger is a mistake or an attack. */
export const MAX_CONTROL_PAYLOAD_BYTES = 64 * 1024;

export interface ControlReply {
  requestId?: string;
  /** Null when the topic did not name a valid camera id. */
  camera: string | null;
  /** Null when the topic did not name a known action. */
  action: ControlAction | null;
  ok: boolean;
  error?: { code: string; message: string };
}

/** The part of the MQTT client control needs (mqtt.js's MqttClient fits). */
export interface ControlClient {
  publish(topic: string, payload: string, options: { qos: 1; retain: false }): unknown;
}

export interface IncomingControl {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

const requestIdSchema = z.string().min(1).max(128);
const restartBodySchema = z.strictObject({ requestId: requestIdSchema.optional() });

type ParsedTopic =
  | { camera: string; action: ControlAction; problem: null }
  | { camera: string | null; action: ControlAction | null; problem: string };

export class MqttControl {
  readonly #client: ControlClient;
  readonly #topics: MqttTopics;
  readonly #site: SiteControl;
  readonly #log: Logger;
  #queue: Promise<void> = Promise.resolve();
  #handled = 0;
  #rejected = 0;

  constructor(options: { client: ControlClient; topics: MqttTopics; site: SiteControl; log: Logger }) {
    this.#client = options.client;
    this.#topics = options.topics;
    this.#site = options.site;
    this.#log = options.log;
  }

  /** Queues a message from the control subscription; the returned promise settles once it is answered. */
  receive(message: IncomingControl): Promise<void> {
    const run = this.#queue.then(() => this.#handle(message));
    this.#queue = run;
    return run;
  }

  /** Requests executed (ok) and answered with an error, since start. */
  stats(): { handled: number; rejected: number } {
    return { handled: this.#handled, rejected: this.#rejected };
  }

  async #handle(message: IncomingControl): Promise<void> {
    const topic = parseTopic(this.#topics.controlCamerasPrefix, message.topic);
    const { camera, action } = topic;
    const reply: ControlReply = { camera, action, ok: false };
    try {
      let body: Record<string, unknown> | null = null;
      let bodyError: unknown = null;
      try {
        body = parseBody(message.payload);
        const requestId = requestIdOf(body);
        if (requestId !== undefined) reply.requestId = requestId;
      } catch (error) {
        bodyError = error;
      }
      // The topic is reported first: it decides what the payload should have been.
      if (topic.problem !== null) throw new MqttControlInvalidError(topic.problem);
      if (bodyError !== null) throw bodyError;
      // A retained request would run again on every reconnect of the gateway.
      if (message.retain)
        throw new MqttControlInvalidError('retained control messages are not executed; publish requests with retain false');
      await this.#execute(topic.camera, topic.action, body);
      reply.ok = true;
      this.#handled += 1;
    } catch (error) {
      reply.error = this.#describe(error, camera, action);
      this.#rejected += 1;
    }
    this.#log.info({ camera, action, ok: reply.ok, code: reply.error?.code }, 'mqtt control request');
    try {
      this.#client.publish(this.#topics.controlReplies, JSON.stringify(reply), { qos: 1, retain: false });
    } catch (error) {
      this.#log.warn({ err: error }, 'mqtt control reply could not be published');
    }
  }

  async #execute(camera: string, action: ControlAction, body: Record<string, unknown> | null): Promise<void> {
    if (action === 'restart') {
      const parsed = restartBodySchema.safeParse(body ?? {});
      if (!parsed.success) throw new MqttControlInvalidError('a restart request takes an empty payload or {"requestId": "..."} only');
      await this.#site.restartCamera(camera);
      return;
    }
    if (body === null) throw new MqttControlInvalidError('a config request takes a JSON camera object as its payload');
    const { requestId: _requestId, ...config } = body;
    await this.#site.updateCamera(camera, config);
  }

  #describe(error: unknown, camera: string | null, action: ControlAction | null): { code: string; message: string } {
    if (error instanceof PanoptesError) return { code: error.code, message: error.message };
    // Not the requester's fault: keep the cause (which may name paths or hosts) in the log only.
    this.#log.error({ err: error, camera, action }, 'mqtt control request failed');
    const failed = new MqttControlFailedError(action ?? 'request', camera ?? 'unknown');
    return { code: failed.code, message: failed.message };
  }
}

function parseTopic(prefix: string, topic: string): ParsedTopic {
  if (!topic.startsWith(prefix)) return { camera: null, action: null, problem: 'the topic is not under <prefix>/control/cameras/' };
  const levels = topic.slice(prefix.length).split('/');
  const [cameraLevel = '', actionLevel = ''] = levels;
  const camera = cameraIdSchema.safeParse(cameraLevel).success ? cameraLevel : null;
  const action = (CONTROL_ACTIONS as readonly string[]).includes(actionLevel) ? (actionLevel as ControlAction) : null;
  if (levels.length !== 2)
    return {
      camera,
      action,
      problem: 'expected a topic <prefix>/control/cameras/<camera>/<restart|config> with exactly two levels after cameras/',
    };
  if (camera === null)
    return { camera, action, problem: 'the camera level of the topic is not a camera id (lower-case letters, digits, - or _, at most 64)' };
  if (action === null) return { camera, action, problem: `unknown control action; expected one of ${CONTROL_ACTIONS.join(', ')}` };
  return { camera, action, problem: null };
}

/** Null for an empty payload; a JSON object otherwise (anything else throws MqttControlInvalidError). */
function parseBody(payload: Buffer): Record<string, unknown> | null {
  if (payload.length > MAX_CONTROL_PAYLOAD_BYTES)
    throw new MqttControlInvalidError(`the payload is larger than ${MAX_CONTROL_PAYLOAD_BYTES} bytes`);
  const text = payload.toString('utf8');
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MqttControlInvalidError('the payload is not valid JSON; send a JSON object (or nothing, for restart)');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MqttControlInvalidError('the payload must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** The request id to echo, when the body carries a valid one; an invalid one fails the request. */
function requestIdOf(body: Record<string, unknown> | null): string | undefined {
  if (body === null || !('requestId' in body)) return undefined;
  const parsed = requestIdSchema.safeParse(body['requestId']);
  if (!parsed.success) throw new MqttControlInvalidError('requestId must be a string of 1 to 128 characters');
  return parsed.data;
}
