/** Where the API listens: an open API (no `http.tokens`) beyond loopback is worth a warning. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}
