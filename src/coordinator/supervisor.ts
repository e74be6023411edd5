/**
 * Supervises the channel worker threads: assigns cameras (fewest cameras first), restarts a worker that
 * throws or exits (with backoff) and gives it back its cameras. A dead worker never takes the
 * coordinator or other workers' cameras with it. Each worker slot owns a Doorbell that outlives its
 * worker: the producers of the slot's cameras ring it, and every control message rings it too.
 *
 * A worker reads its cameras' ffmpeg pipes itself (attachPipe); the coordinator keeps every pipe's fd
 * open until the worker reports the pipe ended or has let go of it (detachPipe), so a restarted worker
 * is given the same pipes again and ffmpeg never notices (it waits on a full pipe meanwhile).
 */
import type { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Logger } from 'pino';
import { MessageChannel } from 'node:worker_threads';
import type { CandidateNotice, ChannelWorkerData, PipeEvent } from '../protocol.ts';
import type { ChannelCameraSettings, ChannelService } from '../protocol.ts';
import { Doorbell } from '../ring/doorbell.ts';
import { startWorker } from '../threads.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';

const CHANNEL_ENTRY = new URL('../../workers/channel.ts', import.meta.url);
/** A worker up this long has its restart backoff reset. */
const STABLE_MS = 30_000;

interface WorkerSlot {
  index: number;
  doorbell: Doorbell;
  worker: Worker | null;
  remote: Comlink.Remote<ChannelService> | null;
  /** Rejects when the current worker dies, so calls into it never hang. */
  died: Promise<never>;
  cameras: Map<string, ChannelCameraSettings>;
  /** The pipe the worker reads for each camera that has a run going. */
  pipes: Map<string, { fd: number; run: number }>;
  restarts: number;
  backoff: Backoff;
  startedAt: number;
  restartTimer: NodeJS.Timeout | undefined;
}

/**
 * The coordinator's comlink endpoint to a channel worker. A channel worker spends its time blocked in
 * its drain loop (Atomics.wait, or poll on its pipes) and reads messages only in its event loop, so each message posted
 * raises the doorbell's control request; raised after posting, so the message is already queued when
 * the worker looks.
 */
export function controlEndpoint(worker: Worker, doorbell: Doorbell): Comlink.Endpoint {
  const endpoint = nodeEndpoint(worker);
  return {
    ...endpoint,
    postMessage: (...args: Parameters<Comlink.Endpoint['postMessage']>) => {
      endpoint.postMessage(...args);
      doorbell.requestControl();
    },
  };
}

export interface SupervisorOptions {
  workers: number;
  logger: Logger;
  restartBackoff?: Partial<BackoffOptions>;
  /** Every candidate notice a channel worker posts (crops committed to a camera's crop slab). */
  onCandidate?: (notice: CandidateNotice) => void;
  /** Every pipe event (a run's first frame, a pipe's end); an ended pipe is no longer read when this runs. */
  onPipeEvent?: (event: PipeEvent) => void;
}

export class ChannelSupervisor {
  private readonly slots: WorkerSlot[] = [];
  private readonly log: Logger;
  private readonly options: SupervisorOptions;
  private stopping = false;

  constructor(options: SupervisorOptions) {
    this.options = options;
    this.log = options.logger.child({ module: 'supervisor' });
  }

  start(): void {
    for (let index = 0; index < this.options.workers; index++) {
      const slot: WorkerSlot = {
        index,
        doorbell: Doorbell.withWakePipe(),
        worker: null,
        remote: null,
        died: Promise.reject(new Error('not started')),
        cameras: new Map(),
        pipes: new Map(),
        restarts: 0,
        backoff: new Backoff(this.options.restartBackoff),
        startedAt: 0,
        restartTimer: undefined,
      };
      slot.died.catch(() => undefined);
      this.slots.push(slot);
      this.spawn(slot);
    }
  }

  private spawn(slot: WorkerSlot): void {
    // A port of its own for notices, so the fire-and-forget candidate stream never mixes with comlink calls.
    const notices = new MessageChannel();
    const onCandidate = this.options.onCandidate;
    notices.port1.on('message', (notice: CandidateNotice) => onCandidate?.(notice));
    notices.port1.unref();
    const pipeEvents = new MessageChannel();
    pipeEvents.port1.on('message', (event: PipeEvent) => {
      const current = slot.pipes.get(event.camera);
      if (event.kind === 'ended' && current?.run === event.run) slot.pipes.delete(event.camera);
      this.options.onPipeEvent?.(event);
    });
    pipeEvents.port1.unref();
    const data: ChannelWorkerData = { doorbell: slot.doorbell.buffer, notices: notices.port2, pipeEvents: pipeEvents.port2 };
    const worker = startWorker(CHANNEL_ENTRY, data, {
      name: `channel-${slot.index}`,
      transferList: [notices.port2, pipeEvents.port2],
    });
    slot.worker = worker;
    slot.remote = Comlink.wrap<ChannelService>(controlEndpoint(worker, slot.doorbell));
    slot.startedAt = Date.now();
    let onDeath: (err: Error) => void = () => undefined;
    slot.died = new Promise<never>((_, reject) => {
      onDeath = reject;
    });
    slot.died.catch(() => undefined);
    worker.on('error', (err) => this.log.error({ worker: slot.index, err }, 'channel worker threw'));
    worker.once('exit', (code) => {
      notices.port1.close();
      pipeEvents.port1.close();
      onDeath(new Error(`channel worker ${slot.index} exited (code ${code})`));
      if (slot.worker !== worker) return;
      slot.worker = null;
      slot.remote = null;
      if (this.stopping) return;
      if (Date.now() - slot.startedAt > STABLE_MS) slot.backoff.reset();
      const delay = slot.backoff.next();
      slot.restarts++;
      this.log.warn({ worker: slot.index, code, cameras: [...slot.cameras.keys()], delayMs: delay }, 'channel worker died; restarting');
      slot.restartTimer = setTimeout(() => this.respawn(slot), delay);
    });
  }

  private respawn(slot: WorkerSlot): void {
    if (this.stopping) return;
    this.spawn(slot);
    for (const settings of slot.cameras.values()) {
      const pipe = slot.pipes.get(settings.id);
      void this.call(slot, async (r) => {
        await r.addCamera(settings);
        if (pipe) await r.attachPipe(settings.id, pipe.fd, pipe.run);
      }).catch((err: unknown) =>
        this.log.error({ worker: slot.index, camera: settings.id, err }, 'could not resume camera on restarted worker'),
      );
    }
    this.log.info({ worker: slot.index, cameras: [...slot.cameras.keys()] }, 'channel worker restarted; cameras resumed');
  }

  /** Runs `fn` on the slot's worker, failing fast if the worker dies meanwhile. */
  private async call<T>(slot: WorkerSlot, fn: (remote: Comlink.Remote<ChannelService>) => Promise<T>): Promise<T> {
    if (!slot.remote) throw new Error(`channel worker ${slot.index} is restarting`);
    return Promise.race([fn(slot.remote), slot.died]);
  }

  private slotOf(id: string): WorkerSlot | undefined {
    return this.slots.find((s) => s.cameras.has(id));
  }

  /** Gives the camera to the worker with the fewest cameras. While that worker restarts, it resumes there. */
  async assign(settings: ChannelCameraSettings): Promise<number> {
    if (this.slotOf(settings.id)) throw new Error(`camera '${settings.id}' is already assigned`);
    const slot = this.slots.reduce((a, b) => (b.cameras.size < a.cameras.size ? b : a));
    slot.cameras.set(settings.id, settings);
    if (slot.remote) await this.call(slot, (r) => r.addCamera(settings));
    return slot.index;
  }

  /**
   * The camera's worker reads its frames from `fd` (a run's pipe) from now on, also after a restart,
   * until the pipe ends or detachPipe. Keep the fd open until then.
   */
  async attachPipe(id: string, fd: number, run: number): Promise<void> {
    const slot = this.slotOf(id);
    if (!slot) throw new Error(`camera '${id}' is not assigned`);
    slot.pipes.set(id, { fd, run });
    if (slot.remote) await this.call(slot, (r) => r.attachPipe(id, fd, run));
  }

  /** Once this resolves no worker reads the run's pipe: its fd may be closed. */
  async detachPipe(id: string, run: number): Promise<void> {
    const slot = this.slotOf(id);
    if (!slot || slot.pipes.get(id)?.run !== run) return;
    slot.pipes.delete(id);
    // A worker that dies meanwhile reads nothing more either.
    if (slot.remote) await this.call(slot, (r) => r.detachPipe(id, run)).catch(() => undefined);
  }

  async unassign(id: string): Promise<void> {
    const slot = this.slotOf(id);
    if (!slot) return;
    slot.cameras.delete(id);
    slot.pipes.delete(id);
    if (slot.remote) await this.call(slot, (r) => r.removeCamera(id)).catch(() => undefined);
  }

  async reconfigure(settings: ChannelCameraSettings): Promise<void> {
    const slot = this.slotOf(settings.id);
    if (!slot) throw new Error(`camera '${settings.id}' is not assigned`);
    slot.cameras.set(settings.id, settings);
    if (slot.remote) await this.call(slot, (r) => r.reconfigure(settings));
  }

  /** The worker index a camera runs on, and that worker's restart count. */
  placement(id: string): { worker: number; restarts: number } | null {
    const slot = this.slotOf(id);
    return slot ? { worker: slot.index, restarts: slot.restarts } : null;
  }

  /**
   * The doorbell of the worker a camera is placed on: give it to the camera's FrameRingProducer, which
   * rings it on every commit (without it the worker still sees the frames, a slice late).
   */
  doorbellOf(id: string): Doorbell | null {
    return this.slotOf(id)?.doorbell ?? null;
  }

  /** Kills a worker as a fault would (it is restarted like any dead worker); for tests and diagnostics. */
  async kill(worker: number): Promise<void> {
    await this.slots[worker]?.worker?.terminate();
  }

  /** The worker's control plane (its health, its cameras), for diagnostics and tests. */
  remote(worker: number): Comlink.Remote<ChannelService> | null {
    return this.slots[worker]?.remote ?? null;
  }

  get workerCount(): number {
    return this.slots.length;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        clearTimeout(slot.restartTimer);
        const worker = slot.worker;
        slot.worker = null;
        slot.remote = null;
        await worker?.terminate();
      }),
    );
  }
}
