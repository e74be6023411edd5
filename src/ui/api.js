// The gateway API from a page: the bearer token the operator typed is kept for the browser session
// (sessionStorage), sent in the Authorization header, and to WebSockets as their first message; it
// never goes into a URL, so no access log or proxy sees it.
const TOKEN_KEY = 'panoptes.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class Unauthorized extends Error {}

function headers() {
  return token() ? { authorization: `Bearer ${token()}` } : {};
}

/** GET a JSON body; `okStatuses` also accepts e.g. the 503 a critical site's health report comes with. */
export async function getJson(path, okStatuses = []) {
  const res = await fetch(path, { headers: headers() });
  if (res.status === 401) throw new Unauthorized('a valid token is needed');
  const body = await res.json();
  if (!res.ok && !okStatuses.includes(res.status)) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

export async function getText(path) {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
}

/**
 * An object URL for a picture or clip fetched with the token in a header (an <img> or <video> src
 * cannot carry one); null when the gateway has none (404). The caller revokes it when done.
 */
export async function blobUrl(path) {
  const res = await fetch(path, { headers: headers() });
  if (res.status === 401) throw new Unauthorized('a valid token is needed');
  if (!res.ok) return null;
  return URL.createObjectURL(await res.blob());
}

export function wsUrl(path) {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
}

/**
 * Follows /ws: authenticates with the first message, sends `subscribe()`'s messages once ready, and
 * hands every JSON message to `onMessage`; reconnects 3 s after a close. Returns the current socket's getter.
 */
export function followFeed(subscribe, onMessage) {
  let ws = null;
  const open = () => {
    ws = new WebSocket(wsUrl('/ws'));
    ws.onopen = () => {
      if (token()) ws.send(JSON.stringify({ type: 'auth', token: token() }));
    };
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      const parsed = JSON.parse(message.data);
      if (parsed.type === 'ready') for (const m of subscribe()) ws.send(JSON.stringify({ type: 'subscribe', ...m }));
      else onMessage(parsed);
    };
    ws.onclose = () => setTimeout(open, 3000);
  };
  open();
  return () => ws;
}
