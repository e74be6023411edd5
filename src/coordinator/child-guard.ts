/**
 * ffmpeg children must never outlive the gateway, even when it is killed with SIGKILL: each one runs
 * under `setpriv --pdeathsig KILL` (util-linux), so the kernel kills it when the gateway dies.
 */
import { execFile, type ChildProcess } from 'node:child_process';

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
export function killTree(child: ChildProcess, graceMs = 2000): Promise<void> {
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
