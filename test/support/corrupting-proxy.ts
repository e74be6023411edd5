/**
 * A plain HTTP proxy on a loopback port in front of a real server (s3rver), forwarding every request
 * and answer untouched, unless told to flip one byte: of the body of GET answers (the object read
 * back is not what is stored) or of PUT bodies (what is stored is not what was sent). The length is
 * kept, so only a checksum can tell. Counts the requests by method, so a test sees a read-back happen.
 */
import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type Corruption = 'none' | 'get-body' | 'put-body';

export interface CorruptingProxy {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** What is flipped from the next request on. */
  corrupt: Corruption;
  /** Requests forwarded, by method (GET, PUT, HEAD, ...). */
  readonly requests: Record<string, number>;
  /** Bodies a byte of which was flipped. */
  readonly corrupted: number;
  close(): Promise<void>;
}

/** Flips the bits of the body's byte at `at` (or its last byte, for a shorter body). */
class FlipByte extends Transform {
  #seen = 0;
  #flipped = false;
  readonly #at: number;
  readonly #onFlip: () => void;

  constructor(at: number, onFlip: () => void) {
    super();
    this.#at = at;
    this.#onFlip = onFlip;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.#flipped && this.#seen + chunk.length > this.#at) {
      const copy = Buffer.from(chunk);
      const i = this.#at - this.#seen;
      copy[i] = (copy[i] ?? 0) ^ 0xff;
      this.#flipped = true;
      this.#onFlip();
      chunk = copy;
    }
    this.#seen += chunk.length;
    done(null, chunk);
  }
}

export async function startCorruptingProxy(upstream: string): Promise<CorruptingProxy> {
  const target = new URL(upstream);
  const requests: Record<string, number> = {};
  let corrupted = 0;
  const flipped = () => {
    corrupted++;
  };
  const state = { corrupt: 'none' as Corruption };
  const server = http.createServer((request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? 'GET';
    requests[method] = (requests[method] ?? 0) + 1;
    const mode = state.corrupt;
    const forward = http.request(
      { host: target.hostname, port: target.port, method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
        const body = mode === 'get-body' && method === 'GET' && answer.statusCode === 200 ? [new FlipByte(0, flipped)] : [];
        pipeline([answer, ...body, response]).catch(() => response.destroy());
      },
    );
    forward.on('error', () => response.destroy());
    // Far enough into the body to miss an aws-chunked chunk header (a hex size and a signature, under 100 bytes).
    const body = mode === 'put-body' && method === 'PUT' ? [new FlipByte(1000, flipped)] : [];
    pipeline([request, ...body, forward]).catch(() => forward.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get corrupt() {
      return state.corrupt;
    },
    set corrupt(mode: Corruption) {
      state.corrupt = mode;
    },
    requests,
    get corrupted() {
      return corrupted;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
