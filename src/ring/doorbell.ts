/**
 * One wake-up word for every ring a channel worker reads. Atomics.wait watches a single address, so a
 * thread that drains several rings cannot wait on each ring's Published word: every producer of a
 * camera placed on the worker also rings this bell on commit and close, and the worker waits on it.
 * The coordinator owns one bell per worker slot, so it outlives worker restarts.
 *
 * The same bell carries control requests: the coordinator raises Control (and rings) after posting a
 * control message, so a worker blocked in Atomics.wait returns to its event loop to serve it. A worker
 * that reads its cameras' pipes waits in poll(2) instead; a bell with a wake pipe (`withWakePipe`) also
 * writes a byte to it on a control request, which that poll watches.
 */
import { makePipe, setNonBlocking, writeWake } from '../native/index.ts';

const Word = {
  /** Bumped on every commit, ring close and control request; the word the worker waits on. Wraps. */
  Rings: 0,
  /** Non-zero while a control message waits for the worker's event loop. Own cache line: read every pass. */
  Control: 16,
  /** Threads inside `wait`: a ring while none sleeps skips Atomics.notify, a futex wake costing 20-150 us. */
  Sleepers: 8,
  /** The wake pipe's read and write fds + 1 (0: none). */
  WakeRead: 24,
  WakeWrite: 25,
  /** Threads inside a poll on the wake pipe (`enterPoll`): a ring meanwhile writes the wake pipe. */
  Pollers: 26,
} as const;
const WORDS = 32;

export type WaitOutcome = 'ok' | 'not-equal' | 'timed-out';

export class Doorbell {
  readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;

  /** A new bell, or one made elsewhere (a worker receives the coordinator's buffer). */
  constructor(buffer = new SharedArrayBuffer(WORDS * 4)) {
    this.buffer = buffer;
    this.words = new Int32Array(buffer, 0, WORDS);
  }

  /** A new bell with a wake pipe (both ends non-blocking; they live as long as the process). */
  static withWakePipe(): Doorbell {
    const bell = new Doorbell();
    const [read, write] = makePipe();
    setNonBlocking(read);
    setNonBlocking(write);
    Atomics.store(bell.words, Word.WakeRead, read + 1);
    Atomics.store(bell.words, Word.WakeWrite, write + 1);
    return bell;
  }

  /** The wake pipe's read end for the worker's poll, -1 for none. */
  get wakeFd(): number {
    return Atomics.load(this.words, Word.WakeRead) - 1;
  }

  /** Producer side: a frame is ready or a ring closed. */
  ring(): void {
    Atomics.add(this.words, Word.Rings, 1);
    // Sequentially consistent: either this load sees the sleeper, or its wait sees the bumped word.
    if (Atomics.load(this.words, Word.Sleepers) !== 0) Atomics.notify(this.words, Word.Rings);
    if (Atomics.load(this.words, Word.Pollers) !== 0) this.wake();
  }

  private wake(): void {
    const wake = Atomics.load(this.words, Word.WakeWrite);
    if (wake > 0) writeWake(wake - 1);
  }

  /**
   * Coordinator side, after posting a control message: the worker should visit its event loop. Always
   * wakes it, also from a nap (see `nap`): control requests are rare.
   */
  requestControl(): void {
    Atomics.store(this.words, Word.Control, 1);
    Atomics.add(this.words, Word.Rings, 1);
    Atomics.notify(this.words, Word.Rings);
    this.wake();
  }

  /**
   * Worker side, before a poll that watches the wake pipe: counts the thread as a poller, so a ring from
   * now on writes the wake pipe. False (and not counted) when the bell rang after `seen` was read: look
   * at the rings again instead of polling. Pair a true with `leavePoll`.
   */
  enterPoll(seen: number): boolean {
    Atomics.add(this.words, Word.Pollers, 1);
    // Sequentially consistent, as in `ring`: either that load sees the poller, or this one the ring.
    if (Atomics.load(this.words, Word.Rings) === seen) return true;
    Atomics.sub(this.words, Word.Pollers, 1);
    return false;
  }

  leavePoll(): void {
    Atomics.sub(this.words, Word.Pollers, 1);
  }

  /** Worker side: read before scanning the rings, then passed to `wait`, so no ring in between is missed. */
  get rings(): number {
    return Atomics.load(this.words, Word.Rings);
  }

  /** Worker side: true once for each raised control request (clears it). */
  takeControl(): boolean {
    return Atomics.load(this.words, Word.Control) !== 0 && Atomics.exchange(this.words, Word.Control, 0) !== 0;
  }

  /**
   * Worker side: sleeps `ms` unless the bell rang after `seen` was read, without counting as a sleeper,
   * so producers ring without waking it: the worker looks again after `ms`. For a worker whose frames
   * come faster than one a nap anyway, this saves a futex wake-up a frame on the coordinator (and the
   * lock V8's Atomics.notify takes) for at most `ms` of added latency. Only a control request wakes it.
   */
  nap(seen: number, ms: number): WaitOutcome {
    return Atomics.wait(this.words, Word.Rings, seen, ms);
  }

  /** Worker side: blocks until the bell rings after `seen` was read, or `timeoutMs` passes. */
  wait(seen: number, timeoutMs: number): WaitOutcome {
    Atomics.add(this.words, Word.Sleepers, 1);
    try {
      return Atomics.wait(this.words, Word.Rings, seen, timeoutMs);
    } finally {
      Atomics.sub(this.words, Word.Sleepers, 1);
    }
  }
}
