/**
 * The HTTP server: the REST API under /api/v1, the compatible /camera endpoints, the WebSocket live
 * feed at /ws and live video at /api/v1/cameras/{id}/live.mp4, and the static pages (`/`, `/ui/*`),
 * on one uWebSockets.js app. A request goes: route match (404/405) -> token check
 * (401) -> body read with the size limit (413) -> JSON parse and zod validation (400) -> handler;
 * every failure becomes `{ error: { code, message, problems? } }` with the status from status.ts.
 */
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Secret } from '../../config/secret.ts';
import { MethodNotAllowedError, RangeNotSatisfiableError, RequestError } from '../../errors.ts';
import { HlsSessions } from '../../live/hls-sessions.ts';
import type { LiveVideo } from '../../live/live-video.ts';
import { LiveFeed, type LiveFeedOptions } from '../ws/live-feed.ts';
import { LiveVideoRoute } from '../ws/live-video-route.ts';
import type { SiteControl } from '../site.ts';
import { TokenCheck } from '../token-check.ts';
import { isLoopback } from './auth.ts';
import { parseJson, readBody } from './body.ts';
import { sendFile } from './file-reply.ts';
import { openApiRoute } from './openapi.ts';
import { ResponseHandle, type Reply } from './response.ts';
import type { ApiDeps, MetricsText, Route } from './route.ts';
import { Router } from './router.ts';
import { cameraRoutes } from './routes-cameras.ts';
import { clipRoutes } from './routes-clips.ts';
import { compatRoutes } from './routes-compat.ts';
import { eventRoutes } from './routes-events.ts';
import { healthRoutes } from './routes-health.ts';
import { liveRoutes } from './routes-live.ts';
import { streamRoutes } from './routes-streams.ts';
import { trackRoutes } from './routes-tracks.ts';
import { uploadRoutes } from './routes-uploads.ts';
import { StaticUi } from './static-ui.ts';
import { mapError, retryAfterOf } from './status.ts';
import { uws } from './uws.ts';
import { validate } from './validate.ts';

export interface HttpServerOptions {
  site: SiteControl;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** `http.tokens`; empty = no authentication. */
  tokens: readonly Secret[];
  bodyLimitBytes: number;
  metrics: () => Promise<MetricsText>;
  logger: Logger;
  /** The live feed's tuning (auth timeout, backpressure limit); defaults suit production. */
  liveFeed?: Partial<Omit<LiveFeedOptions, 'site' | 'tokens' | 'logger'>>;
  /** Live video (src/live/): the WebSocket route /api/v1/cameras/{id}/live.mp4; absent, the route is not served. */
  live?: LiveVideo;
}

export interface HttpServer {
  port: number;
  liveFeed: LiveFeed;
  liveVideo: LiveVideoRoute | null;
  /** Closes the listen socket and every open connection, WebSockets included. */
  close(): void;
}

/** Every route the server answers, the OpenAPI document's included. */
export function apiRoutes(version = PANOPTES_VERSION): Route[] {
  const routes = [
    ...healthRoutes,
    ...cameraRoutes,
    ...streamRoutes,
    ...eventRoutes,
    ...trackRoutes,
    ...uploadRoutes,
    ...clipRoutes,
    ...liveRoutes,
    ...compatRoutes,
  ];
  return [...routes, openApiRoute(routes, version)];
}

const { version: PANOPTES_VERSION } = createRequire(import.meta.url)('../../../package.json') as { version: string };

/** What the handler needs of the request: uWS's HttpRequest is only valid until the first await. */
interface RequestFacts {
  method: string;
  path: string;
  query: string;
  authorization: string;
  contentLength: string;
  /** The Range header ('' when none): file replies (clips) honour it. */
  range: string;
  /** A body may follow the headers (it has to be read or the connection closed). */
  mayHaveBody: boolean;
}

function factsOf(req: HttpRequest): RequestFacts {
  const contentLength = req.getHeader('content-length');
  return {
    method: req.getCaseSensitiveMethod().toUpperCase(),
    path: req.getUrl(),
    query: req.getQuery() ?? '',
    authorization: req.getHeader('authorization'),
    contentLength,
    range: req.getHeader('range'),
    // Any method may carry one (a GET with a body too): it is read, or the connection closed after the answer.
    mayHaveBody: (contentLength !== '' && contentLength !== '0') || req.getHeader('transfer-encoding') !== '',
  };
}

class Api {
  readonly #router: Router;
  readonly #tokens: TokenCheck;
  readonly #deps: ApiDeps;
  readonly #bodyLimit: number;
  readonly #log: Logger;
  readonly #ui = new StaticUi();

  constructor(routes: readonly Route[], tokens: TokenCheck, deps: ApiDeps, bodyLimit: number, log: Logger) {
    this.#router = new Router(routes);
    this.#tokens = tokens;
    this.#deps = deps;
    this.#bodyLimit = bodyLimit;
    this.#log = log;
  }

  /**
   * Answers inside the uWS callback when nothing needs to wait (no body, a synchronous handler): the
   * common GETs then cost no promise and no extra cork.
   */
  serve(res: HttpResponse, req: HttpRequest): void {
    const response = new ResponseHandle(res);
    const facts = factsOf(req);
    const page = facts.mayHaveBody ? undefined : this.#ui.reply(facts.method, facts.path);
    if (page !== undefined) return response.send(page);
    let bodyRead = !facts.mayHaveBody;
    const fail = (error: unknown) => this.#fail(response, facts, error, bodyRead);
    try {
      const { route, params } = this.#router.match(facts.method, facts.path);
      if (route.access === 'token' && !this.#tokens.acceptsHeader(facts.authorization)) {
        throw new RequestError('E_UNAUTHORIZED', 'Missing or invalid bearer token (Authorization: Bearer <token>, one of http.tokens)');
      }
      if (!facts.mayHaveBody) {
        this.#run(response, facts, route, params, undefined)?.catch(fail);
        return;
      }
      readBody(response, facts.contentLength, this.#bodyLimit)
        .then((raw) => {
          bodyRead = true;
          return this.#run(response, facts, route, params, parseJson(raw));
        })
        .catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  /** Validates, runs the handler and sends its reply; a promise only when the handler is async. */
  #run(
    response: ResponseHandle,
    facts: RequestFacts,
    route: Route,
    params: Record<string, string>,
    input: unknown,
  ): Promise<void> | undefined {
    if (response.finished) return undefined;
    let body = input;
    if (route.body !== undefined) body = validate(route.body, input, 'request body');
    else if (input !== undefined && !isEmptyObject(input))
      throw new RequestError('E_BAD_REQUEST', 'This endpoint takes no body', ['(root): expected no body']);
    const query = route.query !== undefined ? validate(route.query, Object.fromEntries(new URLSearchParams(facts.query)), 'query') : {};
    const reply = route.handle({ ...this.#deps, params, body, query });
    if (reply instanceof Promise) return reply.then((answer) => this.#send(response, facts, answer));
    return this.#send(response, facts, reply);
  }

  #send(response: ResponseHandle, facts: RequestFacts, reply: Reply): Promise<void> | undefined {
    if ('file' in reply) return sendFile(response, reply.file, reply.contentType, facts.range, reply.headers);
    response.send(reply);
    this.#log.debug({ method: facts.method, path: facts.path, status: reply.status }, 'api request');
  }

  #fail(response: ResponseHandle, facts: RequestFacts, error: unknown, bodyRead: boolean): void {
    if (response.finished) return;
    const stopping = this.#deps.site.stopping;
    const mapped = mapError(error, stopping);
    if (stopping && mapped.body.error.code === 'E_STOPPING')
      this.#log.debug({ err: error, method: facts.method, path: facts.path }, 'api request refused: the gateway is stopping');
    else if (mapped.internal) this.#log.error({ err: error, method: facts.method, path: facts.path }, 'api request failed');
    else
      this.#log.debug(
        { method: facts.method, path: facts.path, status: mapped.status, code: mapped.body.error.code },
        'api request refused',
      );
    const headers: Record<string, string> = error instanceof MethodNotAllowedError ? { allow: error.allowed.join(', ') } : {};
    if (mapped.status === 401) headers['www-authenticate'] = 'Bearer realm="panoptes"';
    if (error instanceof RangeNotSatisfiableError) headers['content-range'] = `bytes */${error.size}`;
    const retryAfter = retryAfterOf(mapped.body.error.code);
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    // An unread body would be parsed as the next request on this connection: close it instead.
    response.send({ status: mapped.status, json: mapped.body, headers }, !bodyRead);
  }
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

function listen(app: TemplatedApp, host: string, port: number): Promise<number> {
  const { us_socket_local_port: localPort } = uws().uws;
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket === false)
        reject(new Error(`The HTTP server could not listen on ${host}:${port} (in use or not allowed); set http.host / http.port`));
      else resolve(localPort(socket as never));
    });
  });
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const log = options.logger.child({ module: 'http' });
  const loaded = uws();
  log.info({ file: loaded.file }, `uWebSockets.js ${loaded.version} native build loaded`);
  const tokens = new TokenCheck(options.tokens);
  if (!tokens.required && !isLoopback(options.host)) {
    log.warn(
      { host: options.host },
      'http.tokens is empty and the API listens beyond loopback: anyone who can reach it can control cameras',
    );
  }
  const app = loaded.uws.App();
  const liveFeed = new LiveFeed(app, { ...options.liveFeed, site: options.site, tokens, logger: log });
  const liveVideo =
    options.live === undefined
      ? null
      : new LiveVideoRoute(app, { live: options.live, tokens, logger: log, authTimeoutMs: options.liveFeed?.authTimeoutMs ?? 5000 });
  const hls = options.live === undefined ? undefined : new HlsSessions(options.live, { idleMs: options.live.settings.hlsIdleMs });
  const api = new Api(
    apiRoutes(),
    tokens,
    { site: options.site, metrics: options.metrics, ...(hls === undefined ? {} : { hls }) },
    options.bodyLimitBytes,
    log,
  );
  app.any('/*', (res, req) => api.serve(res, req));
  const port = await listen(app, options.host, options.port);
  log.info({ host: options.host, port }, 'HTTP API listening');
  return {
    port,
    liveFeed,
    liveVideo,
    close: () => {
      liveFeed.close();
      liveVideo?.close();
      hls?.close();
      // App.close() (uWS 20.30) closes the listen socket and every connection; the bundled .d.ts predates it.
      (app as TemplatedApp & { close(): void }).close();
    },
  };
}
