/**
 * GET /api/v1/cameras/{id}/live.mp4 as a WebSocket: the camera's live video as fragmented MP4 for
 * Media Source Extensions (src/live/). Authenticated like the live feed: `Authorization: Bearer` at
 * the upgrade, or (browsers cannot set headers on a WebSocket) a first text message
 * `{"type":"auth","token":"..."}` within the auth timeout; `?token=` is accepted too, but a token in
 * a URL ends up in proxies' logs, so the player does not use it.
 *
 * After auth: `{type:'codec'}`, the init segment, fragments (src/live/paced-viewer.ts). A refusal is a
 * text `{type:'error', error:{code, message}}` and a close code: 4401 auth, 4404 unknown camera, 4409
 * disabled camera, 4429 viewer limit, 1011 the stream failed, 1013 the viewer was too slow.
 */
import type { Logger } from 'pino';
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t, WebSocket } from 'uWebSockets.js';
import { PanoptesError } from '../../errors.ts';
import type { LiveVideo } from '../../live/live-video.ts';
import { PacedViewer } from '../../live/paced-viewer.ts';
import type { TokenCheck } from '../token-check.ts';
import { acceptFirstMessage, armAuthTimeout, authAtUpgrade, completeUpgrade, type SocketAuth } from './socket-auth.ts';

export const LIVE_VIDEO_PATH = '/api/v1/cameras/:id/live.mp4';

const CLOSE_CODES: Record<string, number> = {
  E_UNAUTHORIZED: 4401,
  E_CAMERA_NOT_FOUND: 4404,
  E_CAMERA_DISABLED: 4409,
  E_BUSY: 4429,
  E_STOPPING: 1001,
};

interface Viewer extends SocketAuth {
  camera: string;
  paced: PacedViewer | null;
  leave: (() => void) | null;
}

type Socket = WebSocket<Viewer>;

export interface LiveVideoRouteOptions {
  live: LiveVideo;
  tokens: TokenCheck;
  logger: Logger;
  authTimeoutMs: number;
}

export class LiveVideoRoute {
  readonly #options: LiveVideoRouteOptions;
  readonly #sockets = new Set<Socket>();
  authFailures = 0;

  constructor(app: TemplatedApp, options: LiveVideoRouteOptions) {
    this.#options = options;
    const { maxBufferedBytes } = options.live.settings;
    app.ws<Viewer>(LIVE_VIDEO_PATH, {
      maxPayloadLength: 4 * 1024,
      // The viewer's own pacing stops sending far below this; uWS would drop messages silently above it.
      maxBackpressure: maxBufferedBytes + 16 * 1024 * 1024,
      closeOnBackpressureLimit: 0,
      upgrade: (res, req, context) => this.#upgrade(res, req, context),
      open: (ws) => this.#open(ws),
      message: (ws, data, isBinary) => this.#message(ws, data, isBinary),
      close: (ws) => this.#close(ws),
    });
  }

  /** Viewers connected now (authenticated or not). */
  get sockets(): number {
    return this.#sockets.size;
  }

  close(): void {
    for (const ws of this.#sockets) {
      const viewer = ws.getUserData();
      viewer.leave?.();
      viewer.leave = null;
      ws.end(1001, 'server shutting down');
    }
  }

  #upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    const { tokens } = this.#options;
    let camera: string;
    try {
      camera = decodeURIComponent(req.getParameter(0) ?? '');
    } catch {
      camera = '';
    }
    completeUpgrade(res, req, context, { ...authAtUpgrade(req, tokens), camera, paced: null, leave: null } satisfies Viewer);
  }

  #open(ws: Socket): void {
    this.#sockets.add(ws);
    const viewer = ws.getUserData();
    if (viewer.rejected) return this.#refuse(ws, 'invalid token');
    if (viewer.authenticated) return this.#join(ws, viewer);
    armAuthTimeout(viewer, this.#options.authTimeoutMs, () => this.#refuse(ws, 'authentication timeout'));
  }

  #message(ws: Socket, data: ArrayBuffer, isBinary: boolean): void {
    const viewer = ws.getUserData();
    if (viewer.authenticated) return; // Nothing else is asked of a viewer; extra messages are ignored.
    let token: unknown;
    try {
      token = isBinary ? undefined : (JSON.parse(Buffer.from(data).toString('utf8')) as { type?: unknown; token?: unknown }).token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || !this.#options.tokens.accepts(token)) return this.#refuse(ws, 'invalid token');
    acceptFirstMessage(viewer);
    this.#join(ws, viewer);
  }

  #join(ws: Socket, viewer: Viewer): void {
    const { live } = this.#options;
    const paced = new PacedViewer(
      {
        buffered: () => ws.getBufferedAmount(),
        send: (data) => {
          if (viewer.open) ws.cork(() => ws.send(data, typeof data !== 'string'));
        },
        close: (code, reason) => {
          if (viewer.open) ws.end(code, reason);
        },
      },
      live.counters(viewer.camera),
      live.settings,
    );
    viewer.paced = paced;
    try {
      viewer.leave = live.join(viewer.camera, paced);
    } catch (error) {
      const known = error instanceof PanoptesError && CLOSE_CODES[error.code] !== undefined;
      if (!known) this.#options.logger.error({ err: error, camera: viewer.camera }, 'live video viewer failed to join');
      const code = known ? error.code : 'E_INTERNAL';
      const message = known ? error.message : 'The live stream failed on the gateway side; its log has the cause';
      this.#fail(ws, code, message, known ? (CLOSE_CODES[code] as number) : 1011);
    }
  }

  #refuse(ws: Socket, reason: string): void {
    this.authFailures += 1;
    this.#fail(
      ws,
      'E_UNAUTHORIZED',
      `Missing or invalid token (${reason}): send {"type":"auth","token":"..."} first, one of http.tokens`,
      4401,
    );
  }

  #fail(ws: Socket, code: string, message: string, closeCode: number): void {
    if (!ws.getUserData().open) return;
    ws.cork(() => {
      ws.send(JSON.stringify({ type: 'error', error: { code, message } }), false);
      ws.end(closeCode, code);
    });
  }

  #close(ws: Socket): void {
    const viewer = ws.getUserData();
    viewer.open = false;
    clearTimeout(viewer.authTimer);
    this.#sockets.delete(ws);
    viewer.leave?.();
    viewer.leave = null;
  }
}
