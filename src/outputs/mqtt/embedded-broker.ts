/**
 * The embedded MQTT broker: aedes (in-memory persistence) on a loopback TCP port, used when the config
 * names no external broker (`mqtt.url: null`). Loopback only: it has no authentication, so it must not
 * be reachable from the network; a site that needs remote subscribers runs mosquitto and sets `mqtt.url`.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { MqttListenError } from '../../errors.ts';

export const EMBEDDED_BROKER_HOST = '127.0.0.1';

export interface EmbeddedBroker {
  /** The bound port (the one the OS chose when 0 was asked for). */
  readonly port: number;
  /** mqtt://127.0.0.1:PORT */
  readonly url: string;
  /** Disconnects every client and closes the listener; resolves once the port is free. Idempotent. */
  stop(): Promise<void>;
}

export async function startEmbeddedBroker(port: number): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  try {
    server.listen(port, EMBEDDED_BROKER_HOST);
    await once(server, 'listening');
  } catch (error) {
    await closeAedes(aedes);
    throw new MqttListenError(EMBEDDED_BROKER_HOST, port, error);
  }
  const bound = (server.address() as AddressInfo).port;
  let stopping: Promise<void> | undefined;
  return {
    port: bound,
    url: `mqtt://${EMBEDDED_BROKER_HOST}:${bound}`,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await closeAedes(aedes);
        // aedes closes the clients it knows; a socket still in the CONNECT handshake is not one of them.
        for (const socket of sockets) socket.destroy();
        await closed;
      })();
      return stopping;
    },
  };
}

function closeAedes(aedes: Aedes): Promise<void> {
  return new Promise((resolve) => aedes.close(() => resolve()));
}
