/**
 * The one place URLs are made safe to show: credentials in the userinfo part and in query parameters
 * that commonly carry them are replaced, so logs, metrics, errors and API responses never hold secrets.
 */
const SECRET_PARAMS = /([?&](?:password|passwd|pwd|pass|token|auth|key|apikey|api_key|secret|signature|sig)=)[^&#\s]*/gi;
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#\s]*)@/i;

export function maskUrl(url: string): string {
  return url.replace(USERINFO, '$1***:***@').replace(SECRET_PARAMS, '$1***');
}

/** Masks every URL-looking substring of free text (ffmpeg stderr lines, error messages). */
export function maskUrlsInText(text: string): string {
  return text
    .replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (url) => maskUrl(url))
    .replace(SECRET_PARAMS, '$1***');
}
