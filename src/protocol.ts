/**
 * Every message that crosses a thread, typed in one place (piscina's pattern): the coordinator's control
 * plane to the channel workers and their candidate notices back, then the inference pool's tasks and
 * results. Pixels are never in a message: frames and crops stay in shared memory (rings, crop slabs)
 * and messages carry their SharedArrayBuffers, which are shared, not copied.
 */
import type { MessagePort } from 'node:worker_threads';
import type { SamplingOptions } from './channel/sampling.ts';
import type { BackendConfig } from './inference/backends/index.ts';
import type { FaceCascadeOptions, FaceSearchStats } from './inference/face-cascade.ts';
import type { Detection, TensorSpec } from './inference/types.ts';
import type { CropMapping, Rect } from './native/index.ts';

// Channel workers (workers/channel.ts)

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
    /** Frames after the background was made from one frame during which still changed pixels are learnt at alpha. */
    learnFrames: number;
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
    /** The full-frame period of a camera that saw no motion since its last pass; 0 = fullFrameIntervalMs. */
    stillFullFrameIntervalMs: number;
    /** Motion within confirmed tracks goes to the detector at most this often (src/channel/track-gate.ts); 0 always. */
    trackedIntervalMs: number;
  };
  /**
   * A frame whose motion all lies within confirmed tracks gets a face search at most this often
   * (inference.faces.trackedIntervalMs); 0: every crop. Absent: every crop.
   */
  faceIntervalMs?: number;
  /** Above this changed-pixel ratio a frame is a global change (lighting, camera moved): re-baselined, not objects. */
  lightingRatio: number;
  /**
   * The camera's CropSlab (src/inference/crop-slab.ts, owned by the coordinator and shaped for the
   * detector): candidates are cropped into it and announced with a CandidateNotice.
   */
  crops: SharedArrayBuffer;
  /** The camera's TrackedBoxes (src/channel/tracked-boxes.ts, written by the coordinator after each tracker update). */
  tracked: SharedArrayBuffer;
  /** Which frames' candidates go to inference (src/channel/sampling.ts); absent or null: every frame. */
  sampling?: SamplingOptions | null;
}

/** `workerData.data` of a channel worker. */
export interface ChannelWorkerData {
  /** The worker slot's Doorbell: every producer of a camera placed here rings it. */
  doorbell: SharedArrayBuffer;
  /** Where the worker posts a CandidateNotice for each crop it commits (the coordinator's inference hub). */
  notices: MessagePort;
  /** Where the worker posts a PipeEvent about the ffmpeg pipes it reads (the cameras' actors). */
  pipeEvents: MessagePort;
}

/**
 * What a channel worker reports of a camera's ffmpeg pipe (one per run): its first frame (the camera
 * is ONLINE), and its end (ffmpeg exited and every byte it wrote was read, or a read failed). After
 * `ended` the worker no longer reads the fd: the coordinator closes it.
 */
export type PipeEvent =
  | { kind: 'first-frame'; camera: string; run: number }
  | { kind: 'ended'; camera: string; run: number; frames: number; errno: number | null };

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
  /** Reads the camera's frames from `fd` (a run's pipe, non-blocking) into its ring; replaces an earlier run's pipe. */
  attachPipe(id: string, fd: number, run: number): void;
  /** Stops reading the run's pipe (false: it was not read, e.g. it ended); the coordinator may close the fd once this returns. */
  detachPipe(id: string, run: number): boolean;
  cameras(): string[];
  stats(): ChannelWorkerStats;
}

// Inference pool workers (workers/inference.ts, run by piscina). A task names each crop by its camera's
// CropSlab and a slot the scheduler has claimed; the crop itself is never in the message.

/** workerData of every pool worker. */
export interface InferenceWorkerData {
  backend: BackendConfig;
  /** Backend types provided by other modules (URL each), for tests and plugins. */
  extraBackends: Record<string, string>;
  /** The face cascade run after the backend on each crop; null: none. */
  faces: FaceCascadeOptions | null;
}

export interface DetectTaskItem {
  /** Process-unique slab id: the worker attaches each slab once and caches it under this key. */
  slabId: number;
  slab: SharedArrayBuffer;
  slot: number;
  region: Rect;
  mapping: CropMapping;
  motion: Array<Rect & { area: number }>;
  contrast: number;
}

/**
 * Start-up: every worker builds its detector, then waits at `barrier` (an Int32Array counter) until
 * `workers` have arrived or `timeoutMs` passed. A worker runs one task at a time, so `workers` such
 * tasks run concurrently land on `workers` different threads: all are warm before the first crop.
 */
export interface WarmUp {
  barrier: SharedArrayBuffer;
  workers: number;
  timeoutMs: number;
}

export type InferenceTask = { kind: 'describe'; warmUp?: WarmUp } | { kind: 'detect'; items: DetectTaskItem[] };

/** What the backend is, learnt once at pool start so slabs can be shaped for it. */
export interface BackendDescription {
  type: string;
  tensor: TensorSpec | null;
  maxBatch: number;
  /** The face cascade, when configured: its model, and why it could not start (null: it runs). */
  faces: FaceCascadeStatus | null;
}

export interface FaceCascadeStatus {
  model: string;
  /** The coded error message of a face model that could not be loaded; detection goes on without faces. */
  error: string | null;
}

export interface DetectTaskResult {
  detections: Detection[][];
  /** Epoch ms (performance.timeOrigin + now()) when the detect call started, for queue wait. */
  startedMs: number;
  /** The whole task: detector and face cascade. */
  runMs: number;
  threadId: number;
  /** What the face cascade did in this task (zeros when it does not run). */
  faces: FaceSearchStats;
}

export type InferenceTaskResult = BackendDescription | DetectTaskResult;
