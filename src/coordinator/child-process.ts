/**
 * The coordinator's children (an ffmpeg a camera run, a recording tap): the part of Node's ChildProcess
 * the camera code uses, started by posix_spawn through the addon (src/native/process.ts) so a reconnect
 * storm of a hundred cameras does not block the event loop for a fork of the whole gateway each.
 *
 * Events as Node's: 'error' (it could not start), 'exit' (code, signal), then 'close' once its pipes
 * have closed too. The exit is learnt from an extra pipe the child holds (fd N, after its stdio) and
 * that the kernel closes when it dies: the event loop watches that pipe like any other, and the child
 * is reaped when it closes.
 */
import { EventEmitter } from 'node:events';
import { closeSync } from 'node:fs';
import net from 'node:net';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { makePipe, reapChild, signalChild, spawnProcess, type Spawned } from '../native/index.ts';

/** A child fd: /dev/null, a pipe read here (output only), or one of our fds (e.g. a frame pipe's write end). */
export type StdioSpec = 'ignore' | 'pipe' | number;

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));
/** Retries of a reap after the exit pipe closed, before the kernel has made the child a zombie (ms). */
const REAP_RETRY_MS = [1, 2, 5, 10, 20, 50, 100];

export class Child extends EventEmitter {
  readonly pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  /** stdio[i]: the stream of a 'pipe' entry, else null. */
  readonly stdio: (Readable | null)[];
  private readonly spawned: Spawned | null;
  private exited = false;
  private openPipes = 0;

  constructor(command: string, args: readonly string[], stdio: readonly StdioSpec[]) {
    super();
    if (stdio[0] === 'pipe') throw new RangeError('stdio[0] cannot be a pipe: children here read no input');
    const childFds: number[] = [];
    const ours: number[] = [];
    const reads: (number | null)[] = [];
    let spawned: Spawned | null = null;
    let failure: Error | null = null;
    try {
      for (const spec of stdio) {
        if (spec === 'pipe') {
          const [r, w] = makePipe();
          reads.push(r);
          ours.push(w);
          childFds.push(w);
        } else {
          reads.push(null);
          childFds.push(spec === 'ignore' ? -1 : spec);
        }
      }
      const [exitRead, exitWrite] = makePipe();
      reads.push(exitRead);
      ours.push(exitWrite);
      childFds.push(exitWrite);
      spawned = spawnProcess(command, [command, ...args], childFds);
    } catch (err) {
      failure = err as Error;
    } finally {
      // The child holds its own copies now; ours would keep its pipes open after it dies.
      for (const fd of ours) closeSync(fd);
    }
    this.spawned = spawned;
    this.pid = spawned?.pid;
    const exitRead = reads.pop() ?? null;
    if (spawned === null) {
      for (const fd of reads) if (fd !== null) closeSync(fd);
      if (exitRead !== null) closeSync(exitRead);
      this.stdio = stdio.map(() => null);
      const errno = (failure as NodeJS.ErrnoException | null)?.errno ?? -1;
      this.exitCode = errno < 0 ? errno : -1;
      process.nextTick(() => {
        this.emit('error', failure);
        this.emit('exit', this.exitCode, null);
        this.emit('close', this.exitCode, null);
      });
      return;
    }
    this.stdio = reads.map((fd) => (fd === null ? null : this.watchPipe(fd)));
    const exitPipe = new net.Socket({ fd: exitRead as number, readable: true, writable: false });
    exitPipe.on('error', () => exitPipe.destroy());
    exitPipe.once('close', () => this.reap(0));
    exitPipe.resume();
  }

  get stdout(): Readable | null {
    return this.stdio[1] ?? null;
  }

  get stderr(): Readable | null {
    return this.stdio[2] ?? null;
  }

  /** Sends a signal (default SIGTERM); false once it has exited or could not be signalled. */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.spawned === null || this.exited) return false;
    const number = typeof signal === 'number' ? signal : constants.signals[signal];
    if (number === undefined) throw new RangeError(`Unknown signal: ${String(signal)}`);
    return signalChild(this.spawned, number);
  }

  private watchPipe(fd: number): Readable {
    const socket = new net.Socket({ fd, readable: true, writable: false });
    this.openPipes++;
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      this.openPipes--;
      this.maybeClose();
    });
    return socket;
  }

  private reap(attempt: number): void {
    const spawned = this.spawned as Spawned;
    const end = reapChild(spawned.pid);
    if (end === null) {
      // The pipe closes as the child's files are released, a moment before it is a zombie to reap.
      setTimeout(() => this.reap(attempt + 1), REAP_RETRY_MS[Math.min(attempt, REAP_RETRY_MS.length - 1)]);
      return;
    }
    this.exited = true;
    if (spawned.pidfd >= 0) closeSync(spawned.pidfd);
    this.exitCode = end.code;
    this.signalCode = end.signal === null ? null : (SIGNAL_NAMES.get(end.signal) ?? null);
    this.emit('exit', this.exitCode, this.signalCode);
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.exited && this.openPipes === 0) {
      this.openPipes = -1;
      this.emit('close', this.exitCode, this.signalCode);
    }
  }
}

/** Starts `command` (searched on PATH) with `args`; stdio[i] is child fd i. */
export function spawnChild(command: string, args: readonly string[], stdio: readonly StdioSpec[]): Child {
  return new Child(command, args, stdio);
}
