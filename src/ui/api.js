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

export async function getJson(path) {
  const headers = token() ? { authorization: `Bearer ${token()}` } : {};
  const res = await fetch(path, { headers });
  if (res.status === 401) throw new Unauthorized('a valid token is needed');
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

export function wsUrl(path) {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
}
