/**
 * The channel worker's control plane: hosts the pipelines of the cameras assigned to this thread and
 * the one RingDrainLoop that analyses all their frames. Control calls arrive between the loop's slices
 * (the coordinator rings the doorbell after posting one), so they never race a frame being analysed.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CandidateNotice, ChannelCameraSettings, ChannelService, ChannelWorkerStats } from '../protocol.ts';
import type { Doorbell } from '../ring/doorbell.ts';
import { RingDrainLoop, type DrainLoopCounters, type DrainLoopOptions } from '../ring/drain-loop.ts';
import { CameraPipeline } from './camera-pipeline.ts';

export class ChannelHost implements ChannelService {
  private readonly pipelines = new Map<string, CameraPipeline>();
  private readonly loop: RingDrainLoop;
  private lastLoop: DrainLoopCounters;

  private readonly notify: (notice: CandidateNotice) => void;

  /** `notices`: where candidate notices go (the coordinator's inference hub); null drops them. */
  constructor(doorbell: Doorbell, loopOptions: DrainLoopOptions = {}, notices: MessagePort | null = null) {
    this.loop = new RingDrainLoop(doorbell, loopOptions);
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
    this.pipelines.delete(id);
    this.loop.remove(pipeline);
  }

  async reconfigure(settings: ChannelCameraSettings): Promise<void> {
    await this.removeCamera(settings.id);
    this.addCamera(settings);
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
