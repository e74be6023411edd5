/**
 * A real mosquitto (Debian's /usr/sbin/mosquitto, installed by test/scripts/ensure-test-deps.sh) on a
 * free loopback port, for the MQTT output tests. `restart()` stops it (SIGTERM) and starts it again on
 * the same port, so clients reconnect to it. With `persistence`, the broker saves its sessions and
 * queued messages into its private directory on stop and loads them on start, as a production broker
 * configured for durable subscribers does.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export const MOSQUITTO = process.env['PANOPTES_MOSQUITTO'] ?? '/usr/sbin/mosquitto';

export interface Mosquitto {
  readonly port: number;
  /** mqtt://127.0.0.1:PORT */
  readonly url: string;
  /** Every line mosquitto wrote to stderr (its log), for assertions and failure messages. */
  readonly log: string[];
  /** SIGTERM, resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** Stops, then starts again on the same port (retrying while the port is still held). */
  restart(): Promise<void>;
  /** Stops and removes the private directory. */
  dispose(): Promise<void>;
}

export interface MosquittoOptions {
  /** Keep sessions and queued QoS 1 messages across restart(); default false. */
  persistence?: boolean;
}

type BrokerProcess = ChildProcessByStdio<null, Readable, Readable>;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-mosquitto-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    `persistence ${options.persistence === true ? 'true' : 'false'}`,
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
  ];
  // As root mosquitto drops to the `mosquitto` user, which could not write the private directory.
  if (process.getuid?.() === 0) lines.push('user root');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  const log: string[] = [];
  let child: BrokerProcess | undefined;

  const launch = async (): Promise<void> => {
    for (let attempt = 0; ; attempt += 1) {
      const started = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      let buffered = '';
      let running = false;
      started.stderr.setEncoding('utf8');
      started.stderr.on('data', (chunk: string) => {
        buffered += chunk;
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const line of parts) {
          log.push(line);
          if (/ running$/.test(line)) running = true;
        }
      });
      started.stdout.resume();
      const exited = once(started, 'exit');
      while (!running && started.exitCode === null) await Promise.race([sleep(20), exited]);
      if (running) {
        child = started;
        return;
      }
      const inUse = log.some((line) => /Address already in use/.test(line));
      if (!inUse || attempt >= 100) throw new Error(`mosquitto did not start on port ${port}:\n${log.slice(-10).join('\n')}`);
      await sleep(50);
    }
  };

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGTERM');
    await exited;
  };

  await launch();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    log,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
