/**
 * The reading loop of a thread that serves several rings (a channel worker): one synchronous loop for
 * all of them instead of an async loop a ring, because awaiting Atomics.waitAsync costs a promise and
 * its reactions (650-1,070 B) for every frame that has to be waited for.
 *
 * A pass takes at most one frame from each ring, oldest first, and hands it to its reader (fairness:
 * a flooding camera gets one frame a pass like everyone else). When a pass finds nothing, the thread
 * blocks in Atomics.wait on the worker's doorbell, which every producer rings; or, when it reads its
 * cameras' ffmpeg pipes itself (`pipes`), in poll(2) on those pipes and the doorbell's wake pipe, and
 * each pass first reads what the pipes hold into their rings. The loop runs in slices
 * and returns to the event loop between them: at once when the coordinator raised a control request
 * (comlink messages are only read there), and after about sliceMs of work or waiting, so timers and
 * anything else on the thread still run. A worker.terminate() interrupts Atomics.wait.
 *
 * No allocation a frame (only a slice's return to the event loop allocates, see SLICE_MS). A clock
 * read allocates 16 B in Node 20, so the loop keeps its sense of time without one. Each frame carries
 * its commit time (stamped by the producer in shared memory, free to read), and a frame that woke the
 * loop was committed just before: the newest commit time seen is a close lower bound of now whenever
 * frames flow. A wait that times out means the slice is over. Only every UNITS_PER_CLOCK frames or
 * waits is the clock read, for frames that sat in their ring a while.
 */
import type { PipeSet } from '../channel/pipe-set.ts';
import type { FrameRingConsumer } from './consumer.ts';
import { epochMs, stampNow } from './clock.ts';
import type { Doorbell } from './doorbell.ts';
import { Meta } from './layout.ts';

/**
 * The loop returns to the event loop after about this long. Each return costs 500-1,100 B of V8 heap
 * (measured: a bare setImmediate or timer.refresh() chain in Node 20), so this sets the loop's cost
 * a second, whatever the frame rate: 5-11 KB/s a worker at 100 ms.
 */
export const SLICE_MS = 100;
/**
 * A worker whose last slice brought at least a frame a NAP_MS naps between passes instead of waiting
 * to be rung (Doorbell.nap): its producers then never pay a futex wake-up a frame. At 5 fps a camera
 * that is 20 or more cameras on the worker; a quieter worker is woken by each frame as before, so an
 * idle site does not poll.
 */
export const NAP_MS = 10;
/**
 * Frames plus waits between two clock reads: bounds a slice that only sees old frames (an overloaded
 * worker) to about sliceMs + this many analyses; 64 reads cost 0.25 B a frame.
 */
const UNITS_PER_CLOCK = 64;

export interface DrainLoopOptions {
  /** Default SLICE_MS. */
  sliceMs?: number;
  /**
   * The pipes this thread reads its cameras' frames from (src/channel/pipe-set.ts). While it has any,
   * the loop waits in poll(2) on them instead of on the doorbell: their frames come from no other
   * thread, so nobody rings for them.
   */
  pipes?: PipeSet;
}

/** One ring and what to do with each of its frames. */
export interface RingReader {
  readonly consumer: FrameRingConsumer;
  /** Handles the frame in `slot` in place; the loop releases the slot afterwards, also if this throws. */
  onFrame(slot: number): void;
  /** Called once the slot is back in the ring, e.g. to acknowledge the frame to whoever paces the producer. */
  onReleased?(): void;
}

/** What the loop did since it started: a thread's health without a message a frame. */
export interface DrainLoopCounters {
  frames: number;
  passes: number;
  waits: number;
  /** Returns to the event loop: because a control message was waiting, or a slice ran out. */
  controlYields: number;
  sliceYields: number;
  /** Time blocked in Atomics.wait; a wait ended by a frame is timed by that frame's commit. */
  waitedMs: number;
  /** Naps (waits no producer wakes, see NAP_MS) among `waits`. */
  naps: number;
  elapsedMs: number;
}

export class RingDrainLoop {
  private readonly doorbell: Doorbell;
  private readonly sliceMs: number;
  private readonly pipes: PipeSet | null;
  private readonly readers: RingReader[] = [];
  private immediate: NodeJS.Immediate | undefined;
  private running = false;
  private startedMs = 0;
  private waitedMs = 0;
  /** Frames the last slice took: whether this one naps. */
  private lastSliceFrames = 0;
  /** The clock after a nap, read without allocating: a nap on a busy machine may sleep well past NAP_MS. */
  private readonly napClock = new Float64Array(1);
  private readonly counts: Omit<DrainLoopCounters, 'waitedMs' | 'elapsedMs'> = {
    frames: 0,
    passes: 0,
    waits: 0,
    naps: 0,
    controlYields: 0,
    sliceYields: 0,
  };
  /** Bound once: scheduling a slice must not create a closure. */
  private readonly slice = (): void => this.runSlice();

  constructor(doorbell: Doorbell, options: DrainLoopOptions = {}) {
    this.doorbell = doorbell;
    this.sliceMs = options.sliceMs ?? SLICE_MS;
    this.pipes = options.pipes ?? null;
  }

  add(reader: RingReader): void {
    this.readers.push(reader);
  }

  remove(reader: RingReader): void {
    const i = this.readers.indexOf(reader);
    if (i >= 0) this.readers.splice(i, 1);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedMs = epochMs();
    this.immediate = setImmediate(this.slice);
  }

  /** Takes effect between slices: the loop runs only while this thread is out of its event loop. */
  stop(): void {
    this.running = false;
    clearImmediate(this.immediate);
    this.immediate = undefined;
  }

  counters(): DrainLoopCounters {
    return { ...this.counts, waitedMs: this.waitedMs, elapsedMs: this.running ? epochMs() - this.startedMs : 0 };
  }

  private runSlice(): void {
    this.immediate = undefined;
    if (!this.running) return;
    this.drain();
    if (this.running) this.immediate = setImmediate(this.slice);
  }

  /** Runs passes until a control request or the end of the slice. */
  private drain(): void {
    const bell = this.doorbell;
    const readers = this.readers;
    const counts = this.counts;
    let nowMs = epochMs();
    const end = nowMs + this.sliceMs;
    let units = 0;
    /** Start of a wait that a frame ended: timed once the next pass has seen that frame's commit. */
    let wokenFromMs = -1;
    const framesBefore = counts.frames;
    const napping = this.lastSliceFrames * NAP_MS >= this.sliceMs;
    const pipes = this.pipes;
    /** The last pass found nothing: this one waits in poll, unless the bell rang since that pass's `seen`. */
    let pollWaits = false;
    let pollSeen = 0;
    try {
      for (;;) {
        if (bell.takeControl()) {
          counts.controlYields++;
          return;
        }
        // Read before the scan: a commit during the scan changes it, so the wait below returns at once.
        const seen = bell.rings;
        let took = 0;
        if (pipes !== null && pipes.size > 0) {
          if (pollWaits && pipes.wakeable && bell.enterPoll(pollSeen)) {
            // A ring from another thread's producer (benches, tests) writes the wake pipe meanwhile.
            counts.waits++;
            try {
              pipes.poll(Math.max(0, Math.ceil(end - nowMs)));
            } finally {
              bell.leavePoll();
            }
            stampNow(this.napClock, 0);
            this.waitedMs += (this.napClock[0] as number) - nowMs;
            nowMs = this.napClock[0] as number;
          } else if (pollWaits && !pipes.wakeable) {
            // No wake pipe (a bell made for a test): rings and control requests are seen a nap later.
            counts.waits++;
            pipes.poll(Math.max(0, Math.min(NAP_MS, Math.ceil(end - nowMs))));
            stampNow(this.napClock, 0);
            this.waitedMs += (this.napClock[0] as number) - nowMs;
            nowMs = this.napClock[0] as number;
          } else {
            pipes.poll(0);
          }
        }
        for (let i = 0; i < readers.length; i++) {
          const reader = readers[i] as RingReader;
          const { consumer } = reader;
          const slot = consumer.tryAcquire();
          if (slot < 0) continue;
          took++;
          const committedMs = consumer.ring.metaOf(slot, Meta.CommitMs);
          if (committedMs > nowMs) nowMs = committedMs;
          try {
            reader.onFrame(slot);
          } finally {
            consumer.release(slot);
          }
          reader.onReleased?.();
        }
        counts.passes++;
        counts.frames += took;
        if (wokenFromMs >= 0) {
          this.waitedMs += Math.max(0, nowMs - wokenFromMs);
          wokenFromMs = -1;
        }
        units += took;
        if (units >= UNITS_PER_CLOCK) {
          units = 0;
          nowMs = epochMs();
        }
        if (nowMs >= end) {
          counts.sliceYields++;
          return;
        }
        if (took > 0) {
          pollWaits = false;
          continue;
        }
        if (pipes !== null && pipes.size > 0) {
          pollWaits = true;
          pollSeen = seen;
          continue;
        }
        counts.waits++;
        units++;
        // Whole milliseconds: an integer crosses into Atomics.wait as a small integer, a fraction as a heap number.
        const left = Math.ceil(end - nowMs);
        if (napping && left > NAP_MS) {
          counts.naps++;
          if (bell.nap(seen, NAP_MS) === 'timed-out') {
            stampNow(this.napClock, 0);
            this.waitedMs += (this.napClock[0] as number) - nowMs;
            nowMs = this.napClock[0] as number;
          } else {
            wokenFromMs = nowMs;
          }
        } else if (bell.wait(seen, left) === 'timed-out') {
          this.waitedMs += end - nowMs;
          nowMs = end;
        } else {
          wokenFromMs = nowMs;
        }
      }
    } finally {
      this.lastSliceFrames = counts.frames - framesBefore;
    }
  }
}
