/** Every message that crosses a thread, typed in one place. */
import type { MessagePort } from 'node:worker_threads';
import type { SamplingOptions } from './channel/sampling.ts';
import type { CropMapping, Rect } from './native/index.ts';

/** What a channel worker needs to analyse one camera. Buffers are shared, never copied. */
export interface ChannelCameraSettings {
  id: string;
  /** The camera's FrameRing (coordinator produces, worker consumes). */
  ring: SharedArrayBuffer;
  /** The camera's ChannelStats block (worker writes, coordinator reads). */
  stats: SharedArrayBuffer;
  motion: {
    /** The motion plane: the ring's frame area-averaged down to this size (at most the ring's). */
    width: number;
    height: number;
    threshold: number;
    /** Smallest box, in changed motion-plane pixels. */
    minArea: number;
    /** Running-average background weight; 0 compares consecutive frames. */
    alpha: number;
    /** Background weight at changed pixels (background mode). */
    foregroundAlpha: number;
    gridCols: number;
    gridRows: number;
    maxBoxes: number;
    /** width*height bytes of the motion plane, non-zero = ignore (masked zones); null for none. */
    exclude: Uint8Array | null;
  };
  /** In ring (detect-frame) pixels; see src/channel/regions.ts. */
  regions: {
    padding: number;
    /** Smallest region side: the detector's input size. */
    minSide: number;
    maxRegions: number;
    /** How often the whole frame is sent even without motion; 0 never. */
    fullFrameIntervalMs: number;
  };
  /** Above this changed-pixel ratio a frame is a global change (lighting, camera moved): re-baselined, not objects. */
  lightingRatio: number;
  /**
   * The camera's CropSlab (src/inference/crop-slab.ts, owned by the coordinator): candidates are
   * cropped into it and announced with a CandidateNotice. Absent or null: candidates are only counted.
   */
  crops?: SharedArrayBuffer | null;
  /** Which frames' candidates go to inference (src/channel/sampling.ts); absent or null: every frame. */
  sampling?: SamplingOptions | null;
}

/** `workerData.data` of a channel worker. */
export interface ChannelWorkerData {
  /** The worker slot's Doorbell: every producer of a camera placed here rings it. */
  doorbell: SharedArrayBuffer;
  /** Where the worker posts a CandidateNotice for each crop it commits (the coordinator's inference hub). */
  notices: MessagePort;
}

/** What the channel worker sends for each committed crop (cheap to clone: no pixels). */
export interface CandidateNotice {
  camera: string;
  slot: number;
  seq: number;
  captureMs: number;
  /** Candidate regions cut from this frame (the coordinator reassembles the frame from them). */
  regionCount: number;
  region: Rect;
  mapping: CropMapping;
  /** Motion boxes overlapping the region, with their changed-pixel counts (frame coordinates). */
  motion: Array<Rect & { area: number }>;
  /** Mean luma difference of the region's changed pixels (src/inference/contrast.ts). */
  contrast: number;
}

/** A channel worker's own health, pulled by the coordinator (per-camera numbers live in shared memory). */
export interface ChannelWorkerStats {
  cameras: number;
  heapUsedBytes: number;
  /** Fraction of time the worker's event loop was busy since the previous call (0..1). */
  eventLoopUtilization: number;
}

/** The control plane a channel worker exposes through comlink. */
export interface ChannelService {
  addCamera(settings: ChannelCameraSettings): void;
  removeCamera(id: string): Promise<void>;
  reconfigure(settings: ChannelCameraSettings): Promise<void>;
  cameras(): string[];
  stats(): ChannelWorkerStats;
  /** Throws inside the worker, for supervision tests. */
  crash(message: string): void;
}
