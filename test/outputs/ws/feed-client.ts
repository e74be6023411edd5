/** A `ws` client of the live feed that queues what arrives, for the tests to take in order. */
import { WebSocket } from 'ws';

export type Received = { kind: 'json'; message: Record<string, unknown> } | { kind: 'binary'; data: Buffer };

export class FeedClient {
  readonly socket: WebSocket;
  readonly received: Received[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: Array<() => void> = [];
  #taken = 0;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, { headers });
    this.socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.received.push(
        isBinary ? { kind: 'binary', data } : { kind: 'json', message: JSON.parse(data.toString('utf8')) as Record<string, unknown> },
      );
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      this.socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString('utf8') });
        for (const wake of this.#waiters.splice(0)) wake();
      }),
    );
    this.socket.on('error', () => {
      /* the close event reports it */
    });
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<FeedClient> {
    const client = new FeedClient(url, headers);
    await new Promise<void>((resolve, reject) => {
      client.socket.once('open', () => resolve());
      client.socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next thing received (in order), waiting for it if needed; rejects if the socket closes first. */
  async next(): Promise<Received> {
    while (this.#taken >= this.received.length) {
      if (this.socket.readyState === WebSocket.CLOSED)
        throw new Error(`socket closed; received ${JSON.stringify(this.received.slice(-3))}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.received[this.#taken++] as Received;
  }

  async nextJson(): Promise<Record<string, unknown>> {
    const item = await this.next();
    if (item.kind !== 'json') throw new Error('expected a JSON message, received a binary frame');
    return item.message;
  }

  /** Everything received before the first message `isMarker` accepts (the marker is consumed). */
  async until(isMarker: (item: Received) => boolean): Promise<Received[]> {
    const items: Received[] = [];
    for (;;) {
      const item = await this.next();
      if (isMarker(item)) return items;
      items.push(item);
    }
  }

  close(): void {
    this.socket.terminate();
  }
}
