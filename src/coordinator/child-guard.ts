/**
 * ffmpeg children must never outlive the gateway, even when it is killed with SIGKILL: each one runs
 * under `setpriv --pdeathsig KILL` (util-linux), so the kernel kills it when the gateway dies.
 */
import { execFile } from 'node:child_process';

let probe: Promise<boolean> | undefined;
let setprivAvailable: boolean | undefined;

/**
 * Finds out once whether setpriv runs here. Asynchronous so the check (a fork and exec) never blocks
 * the coordinator's event loop; await it before the first child starts (the gateway does).
 */
export function probeParentDeathGuard(): Promise<boolean> {
  probe ??= new Promise<boolean>((resolve) => {
    execFile('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], (err) => {
      setprivAvailable = err === null;
      resolve(setprivAvailable);
    });
  });
  return probe;
}

/** Whether probeParentDeathGuard() has settled (wrapForParentDeath may be called). */
export function parentDeathGuardKnown(): boolean {
  return setprivAvailable !== undefined;
}

/** The command and arguments that run `command` so it dies with this process. */
export function wrapForParentDeath(command: string, args: string[]): [string, string[]] {
  if (setprivAvailable === undefined) {
    throw new Error('wrapForParentDeath before probeParentDeathGuard() settled: await it before starting children');
  }
  return setprivAvailable ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Resolves once it exited. */
/** What killTree needs of a child: Node's ChildProcess and src/coordinator/child-process.ts's Child both fit. */
export interface KillableChild {
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals | number): boolean;
  once(event: 'exit', listener: () => void): unknown;
}

export function killTree(child: KillableChild, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
