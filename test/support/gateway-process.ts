/**
 * `panoptes start` as its own process, the way an operator runs it (src/cli/main.ts through tsx), its
 * JSON log lines kept; the tests that kill it with SIGKILL and start it again on the same storage use it.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { waitFor } from './wait.ts';

const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface GatewayProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** `http://host:port/api/v1`, as the "panoptes is running" line says. */
  api: string;
  log: string[];
}

/** Resolves once the gateway logged that it is running; throws with its last lines if it exited first. */
export async function startGateway(configFile: string): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'start', '--config', configFile], {
    env: { ...process.env, PANOPTES_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  let text = '';
  const collect = (chunk: string) => {
    text += chunk;
    const lines = text.split('\n');
    text = lines.pop() ?? '';
    log.push(...lines);
  };
  child.stdout.setEncoding('utf8').on('data', collect);
  child.stderr.setEncoding('utf8').on('data', collect);
  const running = () => log.find((l) => l.includes('"panoptes is running"'));
  await waitFor(`the gateway to run:\n${log.slice(-5).join('\n')}`, () => running() !== undefined || child.exitCode !== null);
  const line = running();
  if (line === undefined) throw new Error(`the gateway exited (${child.exitCode}):\n${log.slice(-20).join('\n')}`);
  return { child, api: String((JSON.parse(line) as { api: string }).api), log };
}

/** SIGKILL: nothing of the gateway runs after it (no shutdown, no last commit). */
export async function kill9(gateway: GatewayProcess): Promise<void> {
  if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) return;
  const exited = once(gateway.child, 'exit');
  gateway.child.kill('SIGKILL');
  await exited;
}

/** SIGTERM: the gateway's own shutdown; resolves when it exited. */
export async function stopGateway(gateway: GatewayProcess): Promise<void> {
  if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) return;
  const exited = once(gateway.child, 'exit');
  gateway.child.kill('SIGTERM');
  await exited;
}
