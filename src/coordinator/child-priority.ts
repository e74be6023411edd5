/**
 * Camera ffmpegs run at a lower priority than the gateway (gateway.ffmpegNice): at 100 cameras on two
 * cores a hundred decoders share the CPU with a few analysis and detector threads, and at equal
 * priority a crop waits behind whichever decoders the scheduler picked, for hundreds of milliseconds in
 * bursts. Niced decoders still get every cycle the gateway leaves, and the pipe and socket buffers
 * absorb the few milliseconds they wait.
 */
import type { ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import type { Logger } from 'pino';

/** The highest nice value Linux allows (the lowest priority). */
const LOWEST = 19;

let warned = false;

/** Sets `child` to our nice value plus `nice` (capped at 19); a failure is logged once and ignored. */
export function lowerPriority(child: ChildProcess, nice: number, log: Logger): void {
  if (nice === 0 || child.pid === undefined) return;
  try {
    setPriority(child.pid, Math.min(LOWEST, getPriority() + nice));
  } catch (err) {
    // The child may have exited already (ESRCH), or a sandbox forbids it: decoding works either way.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH' || warned) return;
    warned = true;
    log.warn({ err }, 'gateway.ffmpegNice: could not lower the priority of the camera ffmpegs; they run at the gateway priority');
  }
}
