/** The channel worker's control plane: hosts the pipelines of the cameras assigned to this thread. */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { CandidateInfo, ChannelCameraSettings, ChannelService, ChannelWorkerStats } from '../protocol.ts';
import { CameraPipeline } from './camera-pipeline.ts';

export class ChannelHost implements ChannelService {
  private readonly pipelines = new Map<string, CameraPipeline>();
  private lastElu: EventLoopUtilization = performance.eventLoopUtilization();

  addCamera(settings: ChannelCameraSettings): void {
    if (this.pipelines.has(settings.id)) throw new Error(`camera '${settings.id}' already runs on this worker`);
    const pipeline = new CameraPipeline(settings);
    this.pipelines.set(settings.id, pipeline);
    pipeline.start();
  }

  async removeCamera(id: string): Promise<void> {
    const pipeline = this.pipelines.get(id);
    this.pipelines.delete(id);
    await pipeline?.stop();
  }

  async reconfigure(settings: ChannelCameraSettings): Promise<void> {
    await this.removeCamera(settings.id);
    this.addCamera(settings);
  }

  cameras(): string[] {
    return [...this.pipelines.keys()];
  }

  recentCandidates(id: string): CandidateInfo[] {
    return [...(this.pipelines.get(id)?.recent ?? [])];
  }

  stats(): ChannelWorkerStats {
    const elu = performance.eventLoopUtilization(this.lastElu);
    this.lastElu = performance.eventLoopUtilization();
    return { cameras: this.pipelines.size, heapUsedBytes: process.memoryUsage().heapUsed, eventLoopUtilization: elu.utilization };
  }

  crash(message: string): void {
    // Thrown outside the comlink call so it takes the thread down, as a real fault would.
    setImmediate(() => {
      throw new Error(message);
    });
  }
}
