/**
 * Tokens from `http.tokens`, shared by the REST API, the WebSocket feed and the embedded MQTT broker
 * (where a token is the password). Tokens are compared as SHA-256 digests with timingSafeEqual, against
 * every configured token without stopping at a match, so neither the length of a guess nor which token
 * matched shows in the response time. No tokens configured means the API is open: the server warns at
 * start when it listens beyond loopback.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../config/secret.ts';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export class TokenCheck {
  readonly #digests: Buffer[];

  constructor(tokens: readonly Secret[]) {
    this.#digests = tokens.map((token) => digest(token.reveal()));
  }

  /** False when no token is configured: every request is allowed. */
  get required(): boolean {
    return this.#digests.length > 0;
  }

  accepts(token: string): boolean {
    if (!this.required) return true;
    const candidate = digest(token);
    let match = false;
    for (const known of this.#digests) match = timingSafeEqual(known, candidate) || match;
    return match;
  }

  /** `Authorization: Bearer <token>` (scheme case-insensitive, RFC 7235). */
  acceptsHeader(authorization: string): boolean {
    if (!this.required) return true;
    const match = /^bearer +(\S+) *$/i.exec(authorization);
    return match !== null && this.accepts(match[1] as string);
  }
}
