/**
 * A TCP proxy between the gateway's MQTT client and a broker, so a test can kill the client's
 * connection (the broker sees the socket die without a DISCONNECT and sends the last will) and keep
 * the broker unreachable for a while, without touching the client's internals.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Connections accepted and piped to the broker so far. */
  readonly accepted: number;
  /** Destroys every open connection (both ends) and refuses new ones until `allow()`. */
  cut(): void;
  allow(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let refusing = false;
  let accepted = 0;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((incoming) => {
    track(incoming);
    if (refusing) {
      incoming.destroy();
      return;
    }
    accepted += 1;
    const outgoing = connect(targetPort, '127.0.0.1');
    track(outgoing);
    incoming.pipe(outgoing);
    outgoing.pipe(incoming);
    incoming.once('close', () => outgoing.destroy());
    outgoing.once('close', () => incoming.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    cut() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    allow() {
      refusing = false;
    },
    async close() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
