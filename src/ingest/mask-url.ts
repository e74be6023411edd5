/**
 * The one place URLs are made safe to show: logs, metrics, errors, API responses, MQTT and WebSocket
 * payloads never hold a secret. The URL is parsed, not pattern-matched, the way ffmpeg reads it
 * (libavformat `av_url_split`): the authority ends at the first `/`, `?` or `#` after `scheme://`, and
 * the userinfo at the LAST `@` inside it, so a password holding `@` (`user:my@secret@host`, which
 * ffmpeg and the config validator accept) is masked whole. Query parameters that commonly carry
 * credentials are masked too; every other part stays readable. A value made only of `${VAR}`
 * references reveals nothing and is kept, so a config entry read back from the API still names its
 * variables.
 */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const SECRET_PARAMS = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'token',
  'access_token',
  'auth',
  'key',
  'secret',
  'api_key',
  'apikey',
  'signature',
  'sig',
]);
const ONLY_REFERENCES = /^(?:\$\{[A-Za-z_][A-Za-z0-9_]*\}|:)+$/;
const MASK = '***';

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}

function maskQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const value = pair.slice(eq + 1);
      if (!SECRET_PARAMS.has(decodedName(pair.slice(0, eq))) || value === '' || ONLY_REFERENCES.test(value)) return pair;
      return `${pair.slice(0, eq + 1)}${MASK}`;
    })
    .join('&');
}

/** `scheme://***:***@host/path?user=a&password=***`; strings that are not `scheme://` URLs unchanged. */
export function maskUrl(url: string): string {
  const scheme = SCHEME.exec(url)?.[0];
  if (scheme === undefined) return url;
  const rest = url.slice(scheme.length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  let tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  const host = authority.slice(at + 1);
  const shownUser = at < 0 ? '' : ONLY_REFERENCES.test(userinfo) ? `${userinfo}@` : `${MASK}:${MASK}@`;
  const q = tail.indexOf('?');
  if (q >= 0) {
    const hash = tail.indexOf('#', q);
    const end = hash < 0 ? tail.length : hash;
    tail = `${tail.slice(0, q + 1)}${maskQuery(tail.slice(q + 1, end))}${tail.slice(end)}`;
  }
  return `${scheme}${shownUser}${host}${tail}`;
}

// A URL in free text runs to the next space or quote; ffmpeg quotes input names ('rtsp://...').
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;
// Outside a URL (an ffmpeg option echo, "password=..." in a message) the same parameter names are masked.
const LOOSE_PARAM = /(^|[?&\s;,])(password|passwd|pwd|pass|token|access_token|auth|key|secret|api_key|apikey|signature|sig)=[^&#\s'";,]+/gi;

/** Masks every URL inside free text (ffmpeg stderr lines, error messages) and loose `password=` pairs. */
export function maskUrlsInText(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => maskUrl(url)).replace(LOOSE_PARAM, `$1$2=${MASK}`);
}
