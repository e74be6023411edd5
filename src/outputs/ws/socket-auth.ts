/**
 * The token handshake every WebSocket route shares: a token at the upgrade (`Authorization: Bearer`, or
 * `?token=`, which ends up in proxies' logs), else a first message `{"type":"auth","token":"..."}`
 * within a timeout (browsers cannot set headers on a WebSocket). A wrong token offered at the upgrade
 * is refused as soon as the socket opens, so the client hears why.
 */
import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { TokenCheck } from '../token-check.ts';

export interface SocketAuth {
  authenticated: boolean;
  /** A token was offered at the upgrade and it was wrong. */
  rejected: boolean;
  open: boolean;
  authTimer: NodeJS.Timeout | undefined;
}

/** The auth state a socket starts with, from what its upgrade request offered. */
export function authAtUpgrade(req: HttpRequest, tokens: TokenCheck): SocketAuth {
  const queryToken = req.getQuery('token') ?? '';
  const header = req.getHeader('authorization');
  const offered = queryToken !== '' || header !== '';
  const accepted = !tokens.required || (offered && (queryToken !== '' ? tokens.accepts(queryToken) : tokens.acceptsHeader(header)));
  return { authenticated: accepted, rejected: offered && !accepted, open: true, authTimer: undefined };
}

/** Completes the upgrade with the socket's user data (uWS reads the request's headers only until then). */
export function completeUpgrade<T extends SocketAuth>(res: HttpResponse, req: HttpRequest, context: us_socket_context_t, data: T): void {
  res.upgrade(
    data,
    req.getHeader('sec-websocket-key'),
    req.getHeader('sec-websocket-protocol'),
    req.getHeader('sec-websocket-extensions'),
    context,
  );
}

/** Refuses a socket still open and unauthenticated after `timeoutMs`; the timer never holds the process. */
export function armAuthTimeout(auth: SocketAuth, timeoutMs: number, refuse: () => void): void {
  auth.authTimer = setTimeout(() => {
    if (auth.open && !auth.authenticated) refuse();
  }, timeoutMs);
  auth.authTimer.unref();
}

/** Marks a socket authenticated after a first-message token the caller has checked. */
export function acceptFirstMessage(auth: SocketAuth): void {
  auth.authenticated = true;
  clearTimeout(auth.authTimer);
}
