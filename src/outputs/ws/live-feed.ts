/**
 * The WebSocket live feed at /ws: detections, events, camera state changes and (on request) best-shot
 * JPEGs, fanned out by fanout.ts (uWS pub/sub for `all` and camera filters, a direct send for label
 * filters), so one message is serialised once however many clients follow it.
 *
 * Bounded by construction: a client's filter holds only cameras the site has and labels its detector
 * produces, at most MAX_FILTER_ENTRIES of them; what it costs the server (uWS topics, index entries) is
 * linear in that, counted in `stats()`, and released when the socket closes.
 *
 * Slow clients: uWS buffers at most `maxBackpressureBytes` for a socket and skips messages beyond
 * that; after each burst of publishes the feed closes every socket that is skipping (close code 1013)
 * and counts it. Publishing never waits for a client, so a client that stops reading costs the
 * pipeline and the other clients nothing but its bounded buffer.
 */
import type { Logger } from 'pino';
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t, WebSocket } from 'uWebSockets.js';
import { RequestError } from '../../errors.ts';
import { isNumberedClass } from '../../inference/labels.ts';
import type { TokenCheck } from '../token-check.ts';
import { validate } from '../http/validate.ts';
import { acceptFirstMessage, armAuthTimeout, authAtUpgrade, completeUpgrade, type SocketAuth } from './socket-auth.ts';
import type { SiteControl } from '../site.ts';
import { Fanout } from './fanout.ts';
import { checkSubscribe, FILTER_REJECTIONS, MAX_FILTER_ENTRIES, type FilterRejection, type KnownNames } from './filter-limits.ts';
import { LabelledRoutes } from './labelled-routes.ts';
import { clientMessageSchema, type ServerMessage } from './messages.ts';
import { applyChange, emptyFilter, filterEntries, filterTopics, filtersLabels, type Filter } from './topics.ts';

export interface LiveFeedOptions {
  site: SiteControl;
  tokens: TokenCheck;
  logger: Logger;
  /** A client that has not authenticated by then is closed with 4401. */
  authTimeoutMs: number;
  /** Bytes uWS may buffer for one socket; above it messages are skipped and the socket is closed. */
  maxBackpressureBytes: number;
  /** Malformed messages a socket may send before it is closed with 1008. */
  maxBadMessages: number;
  /** Cameras and labels one client may follow together. */
  maxFilterEntries: number;
}

export interface LiveFeedStats {
  clients: number;
  authenticated: number;
  slowClientsClosed: number;
  authFailures: number;
  badMessages: number;
  /** Messages handed to uWS: one per topic with subscribers, plus one per client served directly. */
  published: number;
  /** Cameras and labels held in every client's filter, now. */
  filterEntries: number;
  /** uWS topics every client is subscribed to, now (label filters hold none). */
  topics: number;
  /** Clients with a label filter, served directly, now. */
  labelledClients: number;
  /** Subscribes refused (nothing changed), by the rule they broke. */
  subscribesRejected: Record<FilterRejection, number>;
}

const DEFAULTS = { authTimeoutMs: 5000, maxBackpressureBytes: 1024 * 1024, maxBadMessages: 10, maxFilterEntries: MAX_FILTER_ENTRIES };

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_TOO_SLOW = 1013;
export const CLOSE_POLICY = 1008;
export const CLOSE_GOING_AWAY = 1001;

interface Client extends SocketAuth {
  filter: Filter;
  topics: Set<string>;
  badMessages: number;
}

type Socket = WebSocket<Client>;

export class LiveFeed {
  readonly #options: LiveFeedOptions;
  readonly #sockets = new Set<Socket>();
  readonly #unsubscribe: Array<() => void>;
  readonly #counts = { slowClientsClosed: 0, authFailures: 0, badMessages: 0, filterEntries: 0, topics: 0 };
  readonly #rejected = Object.fromEntries(FILTER_REJECTIONS.map((reason) => [reason, 0])) as Record<FilterRejection, number>;
  readonly #routes = new LabelledRoutes<Socket>();
  readonly #fanout: Fanout<Client>;
  readonly #known: KnownNames;
  #sweepScheduled = false;
  #closed = false;

  constructor(app: TemplatedApp, options: Partial<LiveFeedOptions> & Pick<LiveFeedOptions, 'site' | 'tokens' | 'logger'>) {
    this.#options = { ...DEFAULTS, ...options };
    app.ws<Client>('/ws', {
      maxPayloadLength: 16 * 1024,
      maxBackpressure: this.#options.maxBackpressureBytes,
      closeOnBackpressureLimit: 0,
      upgrade: (res, req, context) => this.#upgrade(res, req, context),
      open: (ws) => this.#open(ws),
      message: (ws, data, isBinary) => this.#message(ws, data, isBinary),
      close: (ws) => this.#close(ws),
    });
    const { site, logger } = this.#options;
    this.#known = { camera: (id) => site.camera(id) !== undefined, label: (name) => site.labels().has(name) || isNumberedClass(name) };
    this.#fanout = new Fanout<Client>({
      app,
      routes: this.#routes,
      site,
      onSent: () => this.#scheduleSweep(),
      onSnapshotError: (error, event) => logger.warn({ err: error, event }, 'best-shot JPEG for the live feed failed'),
    });
    this.#unsubscribe = [
      site.onDetections((message) => this.#fanout.detections(message)),
      site.onEvent((message) => this.#fanout.event(message)),
      site.onTransition((transition) => this.#fanout.state(transition)),
    ];
  }

  stats(): LiveFeedStats {
    let authenticated = 0;
    for (const ws of this.#sockets) if (ws.getUserData().authenticated) authenticated += 1;
    return {
      clients: this.#sockets.size,
      authenticated,
      slowClientsClosed: this.#counts.slowClientsClosed,
      authFailures: this.#counts.authFailures,
      badMessages: this.#counts.badMessages,
      published: this.#fanout.published,
      filterEntries: this.#counts.filterEntries,
      topics: this.#counts.topics,
      labelledClients: this.#routes.size,
      subscribesRejected: { ...this.#rejected },
    };
  }

  /** Stops following the site and says goodbye to every client (1001) before the app closes the sockets. */
  close(): void {
    this.#closed = true;
    this.#fanout.close();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const ws of this.#sockets) ws.end(CLOSE_GOING_AWAY, 'server shutting down');
  }

  #upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    const client: Client = { ...authAtUpgrade(req, this.#options.tokens), filter: emptyFilter(), topics: new Set(), badMessages: 0 };
    completeUpgrade(res, req, context, client);
  }

  #open(ws: Socket): void {
    this.#sockets.add(ws);
    const client = ws.getUserData();
    if (client.rejected) this.#refuse(ws, 'invalid token');
    else if (client.authenticated) this.#send(ws, { type: 'ready' });
    else {
      armAuthTimeout(client, this.#options.authTimeoutMs, () => {
        if (!this.#closed) this.#refuse(ws, 'authentication timeout');
      });
    }
  }

  #refuse(ws: Socket, reason: string): void {
    this.#counts.authFailures += 1;
    ws.end(CLOSE_UNAUTHORIZED, reason);
  }

  #message(ws: Socket, data: ArrayBuffer, isBinary: boolean): void {
    const client = ws.getUserData();
    try {
      if (isBinary) throw new RequestError('E_BAD_REQUEST', 'Expected a JSON text message, received a binary one');
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(data).toString('utf8'));
      } catch {
        throw new RequestError('E_BAD_REQUEST', 'Message is not valid JSON');
      }
      const message = validate(clientMessageSchema, parsed, 'message');
      if (message.type === 'auth') {
        if (client.authenticated) return;
        if (!this.#options.tokens.accepts(message.token)) return this.#refuse(ws, 'invalid token');
        acceptFirstMessage(client);
        this.#send(ws, { type: 'ready' });
        return;
      }
      if (!client.authenticated) return this.#refuse(ws, 'authenticate first');
      if (message.type === 'subscribe') {
        const refusal = checkSubscribe(client.filter, message, this.#known, this.#options.maxFilterEntries);
        if (refusal !== null) {
          for (const reason of refusal.reasons) this.#rejected[reason] += 1;
          throw refusal.error;
        }
      }
      const entries = filterEntries(client.filter);
      applyChange(client.filter, message, message.type === 'subscribe');
      this.#counts.filterEntries += filterEntries(client.filter) - entries;
      this.#resubscribe(ws, client);
    } catch (error) {
      // Thrown on uWS's stack an exception would be uncaught: the client hears E_INTERNAL, the log the cause.
      if (!(error instanceof RequestError)) {
        this.#options.logger.error({ err: error }, 'live feed message handling failed');
        this.#send(ws, {
          type: 'error',
          error: { code: 'E_INTERNAL', message: 'The live feed failed on its side; the gateway log has the cause' },
        });
        return;
      }
      this.#counts.badMessages += 1;
      client.badMessages += 1;
      const problems = error.problems.length > 0 ? { problems: [...error.problems] } : {};
      this.#send(ws, { type: 'error', error: { code: error.code, message: error.message, ...problems } });
      if (client.badMessages >= this.#options.maxBadMessages) ws.end(CLOSE_POLICY, 'too many bad messages');
    }
  }

  #resubscribe(ws: Socket, client: Client): void {
    const wanted = filterTopics(client.filter);
    for (const topic of client.topics) if (!wanted.has(topic)) ws.unsubscribe(topic);
    for (const topic of wanted) if (!client.topics.has(topic)) ws.subscribe(topic);
    this.#counts.topics += wanted.size - client.topics.size;
    client.topics = wanted;
    if (filtersLabels(client.filter)) this.#routes.set(ws, client.filter.cameras);
    else this.#routes.delete(ws);
    const { all, cameras, labels, snapshots } = client.filter;
    this.#send(ws, { type: 'subscribed', all, cameras: [...cameras], labels: [...labels], snapshots });
  }

  #close(ws: Socket): void {
    const client = ws.getUserData();
    client.open = false;
    clearTimeout(client.authTimer);
    this.#sockets.delete(ws);
    // uWS drops the socket's topics itself; the feed's own share goes here.
    this.#routes.delete(ws);
    this.#counts.filterEntries -= filterEntries(client.filter);
    this.#counts.topics -= client.topics.size;
    client.filter = emptyFilter();
    client.topics = new Set();
  }

  #send(ws: Socket, message: ServerMessage): void {
    ws.send(JSON.stringify(message), false);
  }

  /** Once per burst of publishes (not per message): close the sockets uWS has started skipping. */
  #scheduleSweep(): void {
    if (this.#sweepScheduled) return;
    this.#sweepScheduled = true;
    setImmediate(() => {
      this.#sweepScheduled = false;
      // After close() the app closes its sockets; a socket must not be touched once uWS has closed it.
      if (this.#closed) return;
      for (const ws of this.#sockets) {
        if (ws.getBufferedAmount() <= this.#options.maxBackpressureBytes) continue;
        this.#counts.slowClientsClosed += 1;
        this.#options.logger.warn({ bufferedBytes: ws.getBufferedAmount() }, 'live feed client too slow: closed');
        ws.end(CLOSE_TOO_SLOW, 'too slow: backpressure limit');
      }
    });
  }
}
