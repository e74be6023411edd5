/**
 * The channel worker's control plane: hosts the pipelines of the cameras assigned to this thread and
 * the one RingDrainLoop that analyses all their frames. Control calls arrive between the loop's slices
 * (the coordinator rings the doorbell after posting one), so they never race a frame being analysed.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CandidateNotice, ChannelCameraSettings, ChannelService, ChannelWorkerStats, PipeEvent } from '../protocol.ts';
import type { Doorbell } from '../ring/doorbell.ts';
import { RingDrainLoop, type DrainLoopCounters, type DrainLoopOptions } from '../ring/drain-loop.ts';
import { FrameRingProducer } from '../ring/producer.ts';
import { CameraPipeline } from './camera-pipeline.ts';
import { endedEvent, PipeReader } from './pipe-reader.ts';
import { PipeSet } from './pipe-set.ts';

export class ChannelHost implements ChannelService {
  private readonly pipelines = new Map<string, CameraPipeline>();
  /** The pipe each camera's current ffmpeg run writes into, read by this thread. */
  private readonly readers = new Map<string, PipeReader>();
  private readonly pipes: PipeSet;
  private readonly loop: RingDrainLoop;
  private lastLoop: DrainLoopCounters;

  private readonly notify: (notice: CandidateNotice) => void;
  private readonly report: (event: PipeEvent) => void;

  /**
   * `notices`: where candidate notices go (the coordinator's inference hub); `pipeEvents`: where pipe
   * events go (the cameras' actors); null drops them.
   */
  constructor(
    doorbell: Doorbell,
    loopOptions: DrainLoopOptions = {},
    notices: MessagePort | null = null,
    pipeEvents: MessagePort | null = null,
  ) {
    this.report = pipeEvents ? (event) => pipeEvents.postMessage(event) : () => {};
    this.pipes = new PipeSet(doorbell.wakeFd, {
      firstFrame: (r) => this.report({ kind: 'first-frame', camera: r.camera, run: r.run }),
      ended: (r) => {
        if (this.readers.get(r.camera) === r) this.readers.delete(r.camera);
        this.report(endedEvent(r));
      },
    });
    this.loop = new RingDrainLoop(doorbell, { ...loopOptions, pipes: this.pipes });
    this.notify = notices ? (notice) => notices.postMessage(notice) : () => {};
    this.lastLoop = this.loop.counters();
  }

  /** Starts analysing (call once the control plane is exposed). */
  start(): void {
    this.loop.start();
    this.lastLoop = this.loop.counters();
  }

  addCamera(settings: ChannelCameraSettings): void {
    if (this.pipelines.has(settings.id)) throw new Error(`camera '${settings.id}' already runs on this worker`);
    const pipeline = new CameraPipeline(settings, this.notify);
    this.pipelines.set(settings.id, pipeline);
    this.loop.add(pipeline);
  }

  async removeCamera(id: string): Promise<void> {
    const pipeline = this.pipelines.get(id);
    if (!pipeline) return;
    const reader = this.readers.get(id);
    if (reader) this.detachPipe(id, reader.run);
    this.pipelines.delete(id);
    this.loop.remove(pipeline);
  }

  attachPipe(id: string, fd: number, run: number): void {
    const pipeline = this.pipelines.get(id);
    if (!pipeline) throw new Error(`camera '${id}' does not run on this worker`);
    const earlier = this.readers.get(id);
    if (earlier) this.detachPipe(id, earlier.run);
    const reader = new PipeReader(id, fd, run, new FrameRingProducer(pipeline.consumer.ring));
    this.pipes.add(reader);
    this.readers.set(id, reader);
  }

  detachPipe(id: string, run: number): boolean {
    const reader = this.readers.get(id);
    if (!reader || reader.run !== run) return false;
    reader.stop();
    this.pipes.remove(reader);
    this.readers.delete(id);
    return true;
  }

  async reconfigure(settings: ChannelCameraSettings): Promise<void> {
    // The camera's ffmpeg runs on: its pipe moves to the new pipeline.
    const reader = this.readers.get(settings.id);
    await this.removeCamera(settings.id);
    this.addCamera(settings);
    if (reader) this.attachPipe(settings.id, reader.fd, reader.run);
  }

  cameras(): string[] {
    return [...this.pipelines.keys()];
  }

  /**
   * The event loop's own utilization would read ~1 (the drain loop blocks inside a callback), so
   * `eventLoopUtilization` is the drain loop's busy share instead: time not spent waiting for frames.
   */
  stats(): ChannelWorkerStats {
    const now = this.loop.counters();
    const elapsed = now.elapsedMs - this.lastLoop.elapsedMs;
    const waited = now.waitedMs - this.lastLoop.waitedMs;
    this.lastLoop = now;
    const busy = elapsed > 0 ? Math.min(1, Math.max(0, 1 - waited / elapsed)) : 0;
    return { cameras: this.pipelines.size, heapUsedBytes: process.memoryUsage().heapUsed, eventLoopUtilization: busy };
  }
}
