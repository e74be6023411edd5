/**
 * A server process a test starts, kills and restarts on the same port (s3rver, nginx): the port comes
 * from the OS once and is kept, so a client configured with it reconnects after a restart. `pause()`
 * (SIGSTOP) freezes the server mid-request, so a kill lands in the middle of an upload however fast the
 * machine is; `bytesRead()` reads /proc/<pid>/io to see how much of a request body it has taken in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServerProcess {
  readonly port: number;
  /** Everything the process wrote (stdout and stderr), for failure messages. */
  readonly log: string[];
  pid(): number | undefined;
  /** Bytes the process has read (files and sockets), from /proc/<pid>/io. */
  bytesRead(): number;
  pause(): void;
  /** SIGKILL (a crash: no response finished, sockets reset); resolves once it exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port (retrying while the port is still held). */
  start(): Promise<void>;
}

export interface ServerSpec {
  command: string;
  args: (port: number) => string[];
  /** True once the process said it listens (or, with `probe`, the port answers). */
  ready: (log: string[]) => boolean;
  probe?: (port: number) => Promise<boolean>;
}

export async function startServerProcess(spec: ServerSpec): Promise<ServerProcess> {
  const port = await freePort();
  const log: string[] = [];
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    for (let attempt = 0; ; attempt += 1) {
      const started = spawn(spec.command, spec.args(port), { stdio: ['ignore', 'pipe', 'pipe'] });
      const collect = (chunk: Buffer) => log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      started.stdout?.on('data', collect);
      started.stderr?.on('data', collect);
      const deadline = Date.now() + 30_000;
      while (started.exitCode === null && Date.now() < deadline) {
        if (spec.ready(log) && (spec.probe === undefined || (await spec.probe(port)))) {
          child = started;
          return;
        }
        await sleep(20);
      }
      started.kill('SIGKILL');
      const inUse = log.some((line) => /address already in use|EADDRINUSE/i.test(line));
      if (!inUse || attempt >= 100) throw new Error(`${spec.command} did not start on port ${port}:\n${log.slice(-10).join('\n')}`);
      await sleep(50);
    }
  };

  await start();
  return {
    port,
    log,
    pid: () => child?.pid,
    bytesRead: () => {
      const pid = child?.pid;
      if (pid === undefined) return 0;
      const io = readFileSync(`/proc/${pid}/io`, 'utf8');
      return Number(/^rchar: (\d+)$/m.exec(io)?.[1] ?? 0);
    },
    pause: () => child?.kill('SIGSTOP'),
    kill: async () => {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
      const exited = once(running, 'exit');
      running.kill('SIGKILL');
      await exited;
    },
    start,
  };
}
