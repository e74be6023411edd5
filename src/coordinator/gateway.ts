/**
 * The coordinator: owns every camera actor (ingest + lifecycle) and the channel workers that analyse
 * their rings. Camera changes at runtime touch only that camera.
 */
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { CameraExistsError, CameraNotFoundError } from '../errors.ts';
import type { FfmpegLocation } from '../ingest/ffmpeg-path.ts';
import { ChannelStats, Counter } from '../channel/stats.ts';
import type { CandidateNotice, ChannelCameraSettings } from '../protocol.ts';
import { CameraActor, type CameraSpec } from './camera.ts';
import { probeParentDeathGuard } from './child-guard.ts';
import type { IngestTap } from './ingest-tap.ts';
import { TapProcess } from './tap-process.ts';
import { RateWindow, actorTotals, cameraMetrics, emptyActorTotals, type ActorTotals, type CameraMetrics } from './camera-metrics.ts';
import type { CameraTransition } from './camera-state.ts';
import { ChannelSupervisor } from './supervisor.ts';

export type AnalysisSettings = Omit<ChannelCameraSettings, 'id' | 'ring' | 'stats'>;

export interface GatewayCamera {
  actor: CameraActor;
  /** Kept across restarts of the camera (remove, then add under the same id) until `forget`. */
  stats: ChannelStats;
  analysis: AnalysisSettings;
  rates: RateWindow;
  /** What the camera's earlier actors counted (see camera-metrics.ts). */
  carried: ActorTotals;
  /** The recorder's own ffmpeg when it records another stream than analysis reads. */
  tapProcess: TapProcess | null;
}

/** What a removed camera leaves for its next add under the same id, so its counters never fall. */
interface CameraHistory {
  stats: ChannelStats;
  carried: ActorTotals;
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
  private readonly history = new Map<string, CameraHistory>();
  private readonly listeners = new Set<(t: CameraTransition) => void>();
  private readonly options: GatewayOptions;
  /** Settles once it is known whether children can be tied to our death (checked off the event loop). */
  private readonly childGuard: Promise<boolean>;
  private rateTimer: NodeJS.Timeout | undefined;

  constructor(options: GatewayOptions) {
    this.options = options;
    this.childGuard = probeParentDeathGuard();
    this.supervisor = new ChannelSupervisor({
      workers: options.workers ?? availableParallelism(),
      logger: options.logger,
      ...(options.onCandidate ? { onCandidate: options.onCandidate } : {}),
      onPipeEvent: (event) => this.cameras.get(event.camera)?.actor.pipeEvent(event),
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

  private createActor(spec: CameraSpec, tap: IngestTap | undefined): CameraActor {
    return new CameraActor(spec, {
      ffmpeg: this.options.ffmpeg,
      pipes: {
        attach: (camera, fd, run) =>
          void this.supervisor
            .attachPipe(camera, fd, run)
            .catch((err: unknown) => this.options.logger.error({ camera, err }, 'could not hand the ffmpeg pipe to the channel worker')),
        detach: (camera, run) => this.supervisor.detachPipe(camera, run),
      },
      logger: this.options.logger,
      onTransition: (t) => this.listeners.forEach((l) => l(t)),
      ...(tap ? { tap } : {}),
    });
  }

  private createTapProcess(spec: CameraSpec, tap: IngestTap & { readonly url: string }): TapProcess {
    const { id, transport, loop, ioTimeoutMs, stallTimeoutMs, firstFrameTimeoutMs, stableAfterMs, backoff } = spec;
    return new TapProcess({
      camera: id,
      tap,
      input: { transport, loop, ioTimeoutMs },
      stallTimeoutMs,
      firstFrameTimeoutMs,
      stableAfterMs,
      backoff,
      ffmpeg: this.options.ffmpeg,
      logger: this.options.logger,
    });
  }

  /**
   * `tap`: the camera's recorder; a second output on the camera's ffmpeg when it records the analysed
   * stream, else (its `url` is set) a process of its own that starts and stops with the camera.
   */
  async addCamera(spec: CameraSpec, analysis: AnalysisSettings, tap?: IngestTap): Promise<GatewayCamera> {
    if (this.cameras.has(spec.id))
      throw new CameraExistsError(`A camera with id '${spec.id}' already runs; remove it first or choose another id`);
    const own = tap && hasOwnStream(tap) ? this.createTapProcess(spec, tap) : null;
    const actor = this.createActor(spec, own ? undefined : tap);
    const kept = this.history.get(spec.id);
    this.history.delete(spec.id);
    const stats = kept?.stats ?? new ChannelStats();
    const camera: GatewayCamera = {
      actor,
      stats,
      analysis,
      rates: new RateWindow(),
      carried: kept?.carried ?? emptyActorTotals(),
      tapProcess: own,
    };
    this.cameras.set(spec.id, camera);
    await this.supervisor.assign({ id: spec.id, ring: actor.ring.buffer, stats: stats.buffer, ...analysis });
    await this.childGuard;
    actor.start();
    own?.start();
    return camera;
  }

  /**
   * New analysis settings for a running camera (motion, regions, sampling): its channel worker
   * rebuilds the camera's pipeline over the same ring, and ffmpeg keeps running.
   */
  async reconfigureAnalysis(id: string, analysis: AnalysisSettings): Promise<GatewayCamera> {
    const camera = this.cameras.get(id);
    if (!camera) throw new CameraNotFoundError(id);
    camera.analysis = analysis;
    await this.supervisor.reconfigure({ id, ring: camera.actor.ring.buffer, stats: camera.stats.buffer, ...analysis });
    return camera;
  }

  async removeCamera(id: string): Promise<boolean> {
    const camera = this.cameras.get(id);
    if (!camera) return false;
    this.cameras.delete(id);
    await Promise.all([camera.actor.stop(), camera.tapProcess?.stop()]);
    // Unassigned first: once the worker's pipeline is gone nothing writes the stats block, so the
    // next add under this id can take it over.
    await this.supervisor.unassign(id);
    this.history.set(id, { stats: camera.stats, carried: actorTotals(camera.actor, camera.carried) });
    return true;
  }

  /** Drops a removed camera's totals: a camera added later under its id counts from zero. */
  forget(id: string): void {
    this.history.delete(id);
  }

  camera(id: string): GatewayCamera | undefined {
    return this.cameras.get(id);
  }

  list(): GatewayCamera[] {
    return [...this.cameras.values()];
  }

  metrics(id: string): CameraMetrics | undefined {
    const c = this.cameras.get(id);
    return c ? cameraMetrics(c.actor, c.stats, c.rates, c.carried) : undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.rateTimer);
    await Promise.all([...this.cameras.values()].flatMap((c) => [c.actor.stop(), c.tapProcess?.stop()]));
    await this.supervisor.stop();
    this.cameras.clear();
    this.history.clear();
  }
}

function hasOwnStream(tap: IngestTap): tap is IngestTap & { readonly url: string } {
  return tap.url !== null;
}
