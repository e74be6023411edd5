/**
 * `panoptes start` as its own process, the way an operator runs it (src/cli/main.ts through tsx), its
 * JSON log lines kept; the tests that kill it with SIGKILL and start it again on the same storage use it.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { waitFor } from './wait.ts';

const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface GatewayProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** `http://host:port/api/v1`, as the "panoptes is running" line says. */
  api: string;
  log: string[];
}

export interface GatewayOptions {
  /** Node options before the script (the site bench's `--cpu-prof`). */
  nodeArgs?: readonly string[];
  /** How long it may take to log that it is running (starting many cameras takes longer). */
  timeoutMs?: number;
}

/** Resolves once the gateway logged that it is running; throws with its last lines if it exited first. */
export async function startGateway(configFile: string, options: GatewayOptions = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', cli, 'start', '--config', configFile], {
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
  try {
    await waitFor(
      `the gateway to run:\n${log.slice(-5).join('\n')}`,
      () => running() !== undefined || child.exitCode !== null,
      options.timeoutMs,
    );
  } catch (err) {
    child.kill('SIGKILL'); // not left running (with its cameras' ffmpegs) behind a failed start
    throw err;
  }
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

/**
 * A bright box sweeping back and forth across a dark 320x180 scene at 100 px/s, never leaving it: one
 * track, one event that runs as long as the camera does.
 */
export const SWEEPING_BOX_SCENE = [
  'color=c=0x202020:size=320x180:rate=10,format=yuv420p[bg]',
  'color=c=0xe0e0e0:size=40x40:rate=10,format=yuv420p[a]',
  "[bg][a]overlay=x='20+abs(mod(t*100,400)-200)':y=70:eval=frame,format=gray",
].join(';');

/**
 * Writes `dir/site.yaml`: camera `yard` showing SWEEPING_BOX_SCENE through the motion backend, storage in
 * `dir/storage`, plus `extra` top-level YAML lines (e.g. an `mqtt:` section). Returns the file's path.
 */
export function writeSweepingBoxSite(dir: string, extra = ''): string {
  const configFile = path.join(dir, 'site.yaml');
  writeFileSync(
    configFile,
    `gateway: { workers: 1 }
http: { host: 127.0.0.1, port: 0 }
${extra}storage: { dir: ${JSON.stringify(path.join(dir, 'storage'))} }
inference:
  backend: { type: motion }
  pool: { threads: 1, queueDepth: 16 }
defaults:
  ai: { fps: 10, width: 320, height: 180, format: gray }
  objects: { '*': { minScore: 0.3 } }
  regions: { minSide: 64 }
cameras:
  - id: yard
    channel: 1
    streams: { primary: "lavfi:${SWEEPING_BOX_SCENE}" }
`,
  );
  return configFile;
}
