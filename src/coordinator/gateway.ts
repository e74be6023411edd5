/**
 * The coordinator: owns every camera actor (ingest + lifecycle) and the channel workers that analyse
 * their rings. Camera changes at runtime touch only that camera.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { FfmpegLocation } from '../ingest/ffmpeg-path.ts';
import { ChannelStats, Counter } from '../channel/stats.ts';
import type { CandidateNotice, ChannelCameraSettings } from '../protocol.ts';
import { CameraActor, type CameraSpec } from './camera.ts';
import { probeParentDeathGuard } from './child-guard.ts';
import { RateWindow, cameraMetrics, type CameraMetrics } from './camera-metrics.ts';
import type { CameraTransition } from './camera-state.ts';
import { ChannelSupervisor } from './supervisor.ts';

export type AnalysisSettings = Omit<ChannelCameraSettings, 'id' | 'ring' | 'stats'>;

export interface GatewayCamera {
  actor: CameraActor;
  stats: ChannelStats;
  analysis: AnalysisSettings;
  rates: RateWindow;
}

/** How often rates (input and analysed fps) are sampled. */
const RATE_WINDOW_MS = 1000;

export interface GatewayOptions {
  ffmpeg: FfmpegLocation;
  logger: Logger;
  /** Channel worker threads; default: one per core (see README, "Cameras and workers"). */
  workers?: number;
  /** Candidate notices from the channel workers (the inference hub takes them). */
  onCandidate?: (notice: CandidateNotice) => void;
  /** Called on the gateway's stats timer (every second) with the time, for periodic work downstream. */
  onTick?: (nowMs: number) => void;
}

export class Gateway {
  readonly supervisor: ChannelSupervisor;
  private readonly cameras = new Map<string, GatewayCamera>();
  private readonly listeners = new Set<(t: CameraTransition) => void>();
  private readonly runDir: string;
  private readonly options: GatewayOptions;
  /** Settles once it is known whether children can be tied to our death (checked off the event loop). */
  private readonly childGuard: Promise<boolean>;
  private rateTimer: NodeJS.Timeout | undefined;

  constructor(options: GatewayOptions) {
    this.options = options;
    this.runDir = mkdtempSync(path.join(tmpdir(), 'panoptes-'));
    this.childGuard = probeParentDeathGuard();
    this.supervisor = new ChannelSupervisor({
      workers: options.workers ?? availableParallelism(), logger: options.logger,
      ...(options.onCandidate ? { onCandidate: options.onCandidate } : {}),
    });
  }

  start(): void {
    this.supervisor.start();
    this.rateTimer = setInterval(() => {
      const now = Date.now();
      for (const c of this.cameras.values()) c.rates.sample(now, c.actor.frames, c.stats.get(Counter.Analysed));
      this.options.onTick?.(now);
    }, RATE_WINDOW_MS);
  }

  onTransition(listener: (t: CameraTransition) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private createActor(spec: CameraSpec): CameraActor {
    return new CameraActor(spec, {
      ffmpeg: this.options.ffmpeg,
      runDir: this.runDir,
      logger: this.options.logger,
      onTransition: (t) => this.listeners.forEach((l) => l(t)),
    });
  }

  async addCamera(spec: CameraSpec, analysis: AnalysisSettings): Promise<GatewayCamera> {
    if (this.cameras.has(spec.id)) throw new Error(`camera '${spec.id}' already exists`);
    const actor = this.createActor(spec);
    const stats = new ChannelStats();
    const camera: GatewayCamera = { actor, stats, analysis, rates: new RateWindow() };
    this.cameras.set(spec.id, camera);
    await this.supervisor.assign({ id: spec.id, ring: actor.ring.buffer, stats: stats.buffer, ...analysis });
    actor.producer.doorbell = this.supervisor.doorbellOf(spec.id);
    await this.childGuard;
    actor.start();
    return camera;
  }

  /**
   * Applies new settings to one camera. Analysis-only changes keep ffmpeg running; an ingest change
   * (URL, size, rate, ...) restarts that camera's ffmpeg into a new ring. Other cameras are untouched.
   */
  async updateCamera(spec: CameraSpec, analysis: AnalysisSettings): Promise<GatewayCamera> {
    const current = this.cameras.get(spec.id);
    if (!current) throw new Error(`camera '${spec.id}' does not exist`);
    let actor = current.actor;
    const ingestChanged = JSON.stringify(actor.spec) !== JSON.stringify(spec);
    if (ingestChanged) {
      await actor.stop();
      actor = this.createActor(spec);
    }
    const stats = ingestChanged ? new ChannelStats() : current.stats;
    const camera: GatewayCamera = { actor, stats, analysis, rates: ingestChanged ? new RateWindow() : current.rates };
    this.cameras.set(spec.id, camera);
    await this.supervisor.reconfigure({ id: spec.id, ring: actor.ring.buffer, stats: stats.buffer, ...analysis });
    actor.producer.doorbell = this.supervisor.doorbellOf(spec.id);
    await this.childGuard;
    if (ingestChanged) actor.start();
    return camera;
  }

  async removeCamera(id: string): Promise<boolean> {
    const camera = this.cameras.get(id);
    if (!camera) return false;
    this.cameras.delete(id);
    await camera.actor.stop();
    await this.supervisor.unassign(id);
    return true;
  }

  camera(id: string): GatewayCamera | undefined {
    return this.cameras.get(id);
  }

  list(): GatewayCamera[] {
    return [...this.cameras.values()];
  }

  metrics(id: string): CameraMetrics | undefined {
    const c = this.cameras.get(id);
    return c ? cameraMetrics(c.actor, c.stats, c.rates) : undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.rateTimer);
    await Promise.all([...this.cameras.values()].map((c) => c.actor.stop()));
    await this.supervisor.stop();
    this.cameras.clear();
    rmSync(this.runDir, { recursive: true, force: true });
  }
}
