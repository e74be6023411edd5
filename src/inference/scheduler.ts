/**
 * Forms inference batches from every camera's candidates, fairly. Runs on the coordinator thread; the
 * channel workers send a CandidateNotice a crop they commit to their camera's CropSlab.
 *
 * - Per camera a FIFO of notices, bounded by the slab (a notice for a slot that was re-filled replaces
 *   the old one: the slab already counted that crop as a `queue_full` drop).
 * - Round robin over cameras with pending work, one crop a camera a turn, the cursor carried across
 *   batches (deficit round robin with unit cost): a camera flooding candidates gets one turn like the rest.
 * - A camera above `maxShare` of the last `shareWindow` dispatched crops is passed over while another
 *   camera waits (constant motion: wind, rain, a flickering light), and `maxRatePerCamera` candidates/s
 *   bounds what any camera may submit (the excess is discarded and counted `rate_limited`).
 * - A batch leaves when it has `maxBatch` crops or `maxWaitMs` after its oldest crop arrived, and only
 *   while fewer than `maxInFlight` batches run: otherwise crops wait here, where drops stay fair and
 *   newest-first, instead of in the pool's FIFO. Waiting crops are shared over the free threads (a
 *   burst of 4 with 2 threads idle is two batches of 2, not one of 4 while a thread idles), so a crop
 *   waits behind as few others as the pool allows.
 */
import type { CandidateNotice } from '../protocol.ts';
import type { CropSlab } from './crop-slab.ts';

export type { CandidateNotice };

/** A notice whose slot the scheduler has claimed for inference; the pool reads the slab. */
export interface ScheduledCandidate {
  notice: CandidateNotice;
  slab: CropSlab;
  /** Coordinator clock (ms) when the notice arrived. */
  arrivedMs: number;
}

export interface SchedulerOptions {
  /** Largest batch: the smaller of the configured maximum and the backend's. */
  maxBatch: number;
  /** Longest a crop waits for its batch to fill. */
  maxWaitMs: number;
  /** Batches running at once (the pool's threads; more would only queue inside piscina). */
  maxInFlight: number;
  /** Largest share (0..1] of recent dispatched crops one camera may take while others wait. */
  maxShare: number;
  /** Dispatched crops the share is computed over. */
  shareWindow: number;
  /** Candidates a second one camera may submit (Infinity: no limit). */
  maxRatePerCamera: number;
}

export const DEFAULT_SCHEDULER: SchedulerOptions = {
  maxBatch: 8,
  maxWaitMs: 10,
  maxInFlight: 2,
  maxShare: 0.5,
  shareWindow: 64,
  maxRatePerCamera: 20,
};

/** Time source and timers, injectable so tests run without waiting. */
export interface SchedulerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: SchedulerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export type DispatchBatch = (batch: ScheduledCandidate[]) => Promise<void>;

export interface CameraQueueCounters {
  submitted: number;
  dispatched: number;
  /** Discarded over maxRatePerCamera. */
  rateLimited: number;
  /** Notices whose slot held a newer crop by the time they were sent or taken. */
  superseded: number;
  pending: number;
}

interface CameraQueue {
  id: string;
  slab: CropSlab;
  queue: ScheduledCandidate[];
  tokens: number;
  refilledMs: number;
  inWindow: number;
  counters: CameraQueueCounters;
}

export class InferenceScheduler {
  private readonly options: SchedulerOptions;
  private readonly dispatch: DispatchBatch;
  private readonly clock: SchedulerClock;
  private readonly cameras = new Map<string, CameraQueue>();
  /** Round-robin order; `cursor` is the camera that gets the next turn. */
  private order: CameraQueue[] = [];
  private cursor = 0;
  /** Ring of the cameras of the last `shareWindow` dispatched crops. */
  private readonly window: (CameraQueue | undefined)[];
  private windowAt = 0;
  private pendingTotal = 0;
  private inFlight = 0;
  private timer: unknown = undefined;
  private batches = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(options: Partial<SchedulerOptions>, dispatch: DispatchBatch, clock: SchedulerClock = realClock) {
    this.options = { ...DEFAULT_SCHEDULER, ...options };
    if (!(this.options.maxBatch >= 1 && this.options.maxInFlight >= 1 && this.options.maxShare > 0 && this.options.shareWindow >= 1)) {
      throw new RangeError('Expected maxBatch, maxInFlight, shareWindow >= 1 and maxShare > 0 for the inference scheduler');
    }
    this.dispatch = dispatch;
    this.clock = clock;
    this.window = new Array<CameraQueue | undefined>(this.options.shareWindow).fill(undefined);
  }

  addCamera(id: string, slab: CropSlab): void {
    if (this.cameras.has(id)) throw new Error(`camera '${id}' is already scheduled`);
    const burst = Math.max(1, this.options.maxRatePerCamera);
    const cam: CameraQueue = {
      id,
      slab,
      queue: [],
      tokens: burst,
      refilledMs: this.clock.now(),
      inWindow: 0,
      counters: { submitted: 0, dispatched: 0, rateLimited: 0, superseded: 0, pending: 0 },
    };
    this.cameras.set(id, cam);
    this.order.push(cam);
  }

  /** Forgets a camera; its pending crops are discarded (counted on the slab). */
  removeCamera(id: string): void {
    const cam = this.cameras.get(id);
    if (!cam) return;
    for (const item of cam.queue) cam.slab.discard(item.notice.slot, item.notice.seq);
    this.pendingTotal -= cam.queue.length;
    this.cameras.delete(id);
    const at = this.order.indexOf(cam);
    this.order.splice(at, 1);
    if (this.cursor > at) this.cursor--;
    if (this.cursor >= this.order.length) this.cursor = 0;
    for (let i = 0; i < this.window.length; i++) if (this.window[i] === cam) this.window[i] = undefined;
    this.settleIdle();
  }

  submit(notice: CandidateNotice): void {
    const cam = this.cameras.get(notice.camera);
    if (!cam) return;
    const now = this.clock.now();
    cam.counters.submitted++;
    const rate = this.options.maxRatePerCamera;
    if (Number.isFinite(rate)) {
      cam.tokens = Math.min(Math.max(1, rate), cam.tokens + ((now - cam.refilledMs) / 1000) * rate);
      cam.refilledMs = now;
      if (cam.tokens < 1) {
        cam.counters.rateLimited++;
        cam.slab.discard(notice.slot, notice.seq);
        return;
      }
      cam.tokens -= 1;
    }
    const same = cam.queue.findIndex((item) => item.notice.slot === notice.slot);
    if (same >= 0) {
      cam.queue.splice(same, 1);
      cam.counters.superseded++;
      this.pendingTotal--;
    }
    cam.queue.push({ notice, slab: cam.slab, arrivedMs: now });
    this.pendingTotal++;
    this.pump();
  }

  /** Crops waiting for a batch, over all cameras. */
  get pending(): number {
    return this.pendingTotal;
  }

  get running(): number {
    return this.inFlight;
  }

  get batchesDispatched(): number {
    return this.batches;
  }

  counters(id: string): CameraQueueCounters | undefined {
    const cam = this.cameras.get(id);
    return cam ? { ...cam.counters, pending: cam.queue.length } : undefined;
  }

  /** Resolves once nothing is pending or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.pendingTotal === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops the flush timer; pending crops stay claimed by nobody (their slabs keep them queued). */
  close(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.pendingTotal > 0) {
      const now = this.clock.now();
      const oldest = this.oldestArrival();
      if (this.pendingTotal < this.options.maxBatch && now - oldest < this.options.maxWaitMs) {
        this.arm(oldest + this.options.maxWaitMs - now);
        return;
      }
      const free = this.options.maxInFlight - this.inFlight;
      const batch = this.take(Math.min(this.options.maxBatch, Math.ceil(this.pendingTotal / free)));
      if (batch.length === 0) continue;
      this.inFlight++;
      this.batches++;
      void this.run(batch);
    }
    this.settleIdle();
  }

  private async run(batch: ScheduledCandidate[]): Promise<void> {
    try {
      await this.dispatch(batch);
    } catch {
      // The dispatcher reports its own failures (the pool counts them and falls back); slots are freed below.
    } finally {
      for (const item of batch) item.slab.release(item.notice.slot);
      this.inFlight--;
      this.pump();
    }
  }

  private arm(ms: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(0, ms),
    );
  }

  private oldestArrival(): number {
    let oldest = Infinity;
    for (const cam of this.order) {
      const head = cam.queue[0];
      if (head !== undefined && head.arrivedMs < oldest) oldest = head.arrivedMs;
    }
    return oldest;
  }

  /** Up to `size` crops, one a camera a turn; over-share cameras only when nobody else is left. */
  private take(size: number): ScheduledCandidate[] {
    const batch: ScheduledCandidate[] = [];
    const limit = this.options.maxShare * this.options.shareWindow;
    for (const allowCapped of [false, true]) {
      let idleTurns = 0;
      while (batch.length < size && this.pendingTotal > 0 && idleTurns < this.order.length) {
        const cam = this.order[this.cursor] as CameraQueue;
        this.cursor = (this.cursor + 1) % this.order.length;
        if (cam.queue.length === 0 || (!allowCapped && cam.inWindow > limit)) {
          idleTurns++;
          continue;
        }
        idleTurns = 0;
        const item = cam.queue.shift() as ScheduledCandidate;
        this.pendingTotal--;
        if (!cam.slab.claim(item.notice.slot, item.notice.seq)) {
          cam.counters.superseded++;
          continue;
        }
        cam.counters.dispatched++;
        this.remember(cam);
        batch.push(item);
      }
    }
    return batch;
  }

  private remember(cam: CameraQueue): void {
    const evicted = this.window[this.windowAt];
    if (evicted !== undefined) evicted.inWindow--;
    this.window[this.windowAt] = cam;
    this.windowAt = (this.windowAt + 1) % this.window.length;
    cam.inWindow++;
  }

  private settleIdle(): void {
    if (this.pendingTotal !== 0 || this.inFlight !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
