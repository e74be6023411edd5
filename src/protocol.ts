/** Every message that crosses a thread, typed in one place. */
import type { Rect } from './native/index.ts';

/** What a channel worker needs to analyse one camera. Buffers are shared, never copied. */
export interface ChannelCameraSettings {
  id: string;
  /** The camera's FrameRing (coordinator produces, worker consumes). */
  ring: SharedArrayBuffer;
  /** The camera's ChannelStats block (worker writes, coordinator reads). */
  stats: SharedArrayBuffer;
  motion: {
    threshold: number;
    minArea: number;
    /** Running-average background weight; 0 compares consecutive frames. */
    alpha: number;
    gridCols: number;
    gridRows: number;
    maxBoxes: number;
    /** width*height bytes, non-zero = ignore (masked zones); null for none. */
    exclude: Uint8Array | null;
  };
  regions: { padding: number; minSide: number; maxRegions: number };
  /** Above this changed-pixel ratio a frame is a lighting change, not objects. */
  lightingRatio: number;
  /** Detector input the candidate crops are prepared for. */
  tensor: { width: number; height: number; layout: 'nhwc-u8' | 'nchw-f32' };
}

/** A moving region prepared for the detector (until the inference pool consumes them, kept for inspection). */
export interface CandidateInfo {
  camera: string;
  seq: number;
  captureMs: number;
  region: Rect;
  tenengrad: number;
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
  recentCandidates(id: string): CandidateInfo[];
  stats(): ChannelWorkerStats;
  /** Throws inside the worker, for supervision tests. */
  crash(message: string): void;
}
