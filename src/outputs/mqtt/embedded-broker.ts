/**
 * The embedded MQTT broker: aedes (in-memory persistence) on a loopback TCP port, used when the config
 * names no external broker (`mqtt.url: null`). Loopback only; a site that needs remote subscribers runs
 * mosquitto and sets `mqtt.url`. When the site has credentials (`http.tokens`, or `mqtt.password`) the
 * broker requires them at CONNECT, so a local user without a token can neither read events nor publish
 * on the control topics: the password must be one of the tokens (any username), or be `mqtt.password`
 * with `mqtt.username` as the username. Without credentials configured the broker is open, as the API is.
 * Control requests are forwarded to the gateway's client only: a subscriber on `#` does not see the
 * camera configs (and their credentials) that other clients send.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import type { Secret } from '../../config/secret.ts';
import { MqttListenError } from '../../errors.ts';
import { TokenCheck } from '../token-check.ts';
import { BrokerSubscriptions } from './subscriptions.ts';

export const EMBEDDED_BROKER_HOST = '127.0.0.1';

export interface EmbeddedBroker {
  /** The bound port (the one the OS chose when 0 was asked for). */
  readonly port: number;
  /** mqtt://127.0.0.1:PORT */
  readonly url: string;
  /**
   * Publishes at QoS 0 from inside the process: no MQTT packet written to a loopback socket and parsed
   * back, which for the gateway's per-frame detections cost more of the coordinator than routing them.
   */
  publish(topic: string, payload: string): void;
  /** Some connected client may receive a message on `topic` (see subscriptions.ts). */
  wanted(topic: string): boolean;
  /** Disconnects every client and closes the listener; resolves once the port is free. Idempotent. */
  stop(): Promise<void>;
}

export interface BrokerCredentials {
  /** Any of these is accepted as the password, with any username. */
  tokens: readonly Secret[];
  /** A username/password pair accepted as well (`mqtt.username`, `mqtt.password`). */
  user?: { username: string | undefined; password: Secret };
}

/** MQTT 3.1.1 CONNACK return code 4. */
const BAD_USERNAME_OR_PASSWORD = 4;

function authenticator(credentials: BrokerCredentials) {
  const tokens = new TokenCheck(credentials.tokens);
  const user = credentials.user;
  const userPassword = user === undefined ? undefined : new TokenCheck([user.password]);
  return (username: string | undefined, password: Buffer | undefined): boolean => {
    if (password === undefined) return false;
    const given = password.toString('utf8');
    const byToken = tokens.required && tokens.accepts(given);
    const byUser =
      userPassword !== undefined && userPassword.accepts(given) && (user?.username === undefined || user.username === username);
    return byToken || byUser;
  };
}

/** True when the broker will ask for credentials. */
export function requiresCredentials(credentials: BrokerCredentials | undefined): boolean {
  return credentials !== undefined && (credentials.tokens.length > 0 || credentials.user !== undefined);
}

/** Topics only one client receives: control requests (which may carry camera URLs) go to the gateway alone. */
export interface PrivateTopics {
  /** `{prefix}/control/cameras/` */
  prefix: string;
  /** The gateway's own client id (`mqtt.clientId`). */
  clientId: string;
}

export async function startEmbeddedBroker(
  port: number,
  credentials?: BrokerCredentials,
  privateTopics?: PrivateTopics,
): Promise<EmbeddedBroker> {
  const accepts = requiresCredentials(credentials) ? authenticator(credentials as BrokerCredentials) : undefined;
  const aedes = await Aedes.createBroker({
    ...(accepts === undefined
      ? {}
      : {
          authenticate: (_client, username, password, done) => {
            if (accepts(username, password)) return done(null, true);
            const refused = Object.assign(new Error('bad user name or password'), {
              returnCode: BAD_USERNAME_OR_PASSWORD,
            }) as AuthenticateError;
            return done(refused, false);
          },
        }),
    ...(privateTopics === undefined
      ? {}
      : {
          authorizeForward: (client, packet) =>
            packet.topic.startsWith(privateTopics.prefix) && client.id !== privateTopics.clientId ? null : packet,
        }),
  });
  const subscriptions = new BrokerSubscriptions(aedes);
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
    publish(topic, payload) {
      aedes.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }, () => undefined);
    },
    wanted: (topic) => subscriptions.wanted(topic),
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
