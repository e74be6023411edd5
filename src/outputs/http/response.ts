/**
 * One uWS response, safe to finish from async code. uWS invalidates an HttpResponse as soon as the
 * client goes away (onAborted), and using it afterwards crashes the process; so every request gets an
 * abort handler at once, and every write checks it and corks (writes outside the request callback
 * must be corked, or each header goes out in its own syscall).
 */
import { STATUS_CODES } from 'node:http';
import type { HttpResponse } from 'uWebSockets.js';

/** What a route answers: JSON, raw bytes (a JPEG, Prometheus text), a file sent with Range support (a clip) or nothing (204). */
export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; contentType: string; body: Buffer | string; headers?: Record<string, string> }
  | { status: 200; contentType: string; file: string; headers?: Record<string, string> }
  | { status: 204 };

export class ResponseHandle {
  readonly #res: HttpResponse;
  #aborted = false;
  #done = false;
  readonly #onAbort: Array<() => void> = [];

  constructor(res: HttpResponse) {
    this.#res = res;
    res.onAborted(() => {
      this.#aborted = true;
      for (const listener of this.#onAbort) listener();
    });
  }

  /** The client went away or the response was already sent: nothing more may be written. */
  get finished(): boolean {
    return this.#aborted || this.#done;
  }

  /** The client went away. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** The response for a caller that writes it itself (a streamed file), or null when it is finished. */
  take(): HttpResponse | null {
    if (this.finished) return null;
    this.#done = true;
    return this.#res;
  }

  onAbort(listener: () => void): void {
    this.#onAbort.push(listener);
  }

  /** The uWS response for the body reader; only touch it while `finished` is false. */
  get raw(): HttpResponse {
    return this.#res;
  }

  /**
   * Sends the reply unless the client is gone. `closeConnection` is for replies sent before the
   * request body was read (413): the rest of the body must not be parsed as the next request.
   */
  send(reply: Reply, closeConnection = false): void {
    if (this.finished) return;
    this.#done = true;
    const res = this.#res;
    res.cork(() => {
      res.writeStatus(`${reply.status} ${STATUS_CODES[reply.status] ?? ''}`);
      for (const [name, value] of Object.entries('headers' in reply ? (reply.headers ?? {}) : {})) res.writeHeader(name, value);
      if ('file' in reply) throw new Error('a file reply is sent by sendFile (file-reply.ts)');
      if ('json' in reply) {
        res.writeHeader('content-type', 'application/json; charset=utf-8');
        res.end(JSON.stringify(reply.json), closeConnection);
      } else if ('contentType' in reply) {
        res.writeHeader('content-type', reply.contentType);
        res.end(reply.body, closeConnection);
      } else {
        res.endWithoutBody(0, closeConnection);
      }
    });
  }
}
