/**
 * ffmpeg children must never outlive the gateway, even when it is killed with SIGKILL: each one runs
 * under `setpriv --pdeathsig KILL` (util-linux), so the kernel kills it when the gateway dies.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';

let setprivAvailable: boolean | undefined;

function hasSetpriv(): boolean {
  if (setprivAvailable === undefined) {
    try {
      execFileSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' });
      setprivAvailable = true;
    } catch {
      setprivAvailable = false;
    }
  }
  return setprivAvailable;
}

/** The command and arguments that run `command` so it dies with this process. */
export function wrapForParentDeath(command: string, args: string[]): [string, string[]] {
  return hasSetpriv() ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
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
