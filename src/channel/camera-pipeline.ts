/**
 * One camera's analysis inside a channel worker: for each frame the worker's RingDrainLoop takes from
 * the camera's ring, luma, motion, candidate regions, then sharpness and the detector crop of each
 * candidate, all in place in the slot. Steady state with no motion allocates only its clock read
 * (16 B in Node 20, see ring/clock.ts); candidates (rare) allocate their small records.
 */
import { selectRegions } from '../analytics/regions.ts';
import { MotionDetector, cropResize, sharpness, toLuma, type Rect } from '../native/index.ts';
import type { CandidateInfo, ChannelCameraSettings } from '../protocol.ts';
import { epochMs as now } from '../ring/clock.ts';
import { FrameRingConsumer } from '../ring/consumer.ts';
import type { RingReader } from '../ring/drain-loop.ts';
import { FrameRing, Meta } from '../ring/layout.ts';
import { ChannelStats, Counter, Stage } from './stats.ts';

const RECENT_CANDIDATES = 32;

export class CameraPipeline implements RingReader {
  readonly id: string;
  readonly settings: ChannelCameraSettings;
  readonly consumer: FrameRingConsumer;
  private readonly ring: FrameRing;
  private readonly stats: ChannelStats;
  private readonly detector: MotionDetector;
  private readonly luma: Uint8Array | null;
  private readonly tensors: Array<Uint8Array | Float32Array>;
  private readonly boxes: Rect[] = [];
  readonly recent: CandidateInfo[] = [];

  constructor(settings: ChannelCameraSettings) {
    this.id = settings.id;
    this.settings = settings;
    this.ring = FrameRing.attach(settings.ring);
    this.consumer = new FrameRingConsumer(this.ring);
    this.stats = new ChannelStats(settings.stats);
    const { width, height } = this.ring;
    const m = settings.motion;
    this.detector = new MotionDetector({
      width, height, threshold: m.threshold, minArea: m.minArea, gridCols: m.gridCols, gridRows: m.gridRows,
      maxBoxes: m.maxBoxes, ...(m.alpha > 0 ? { alpha: m.alpha } : {}), ...(m.exclude ? { exclude: m.exclude } : {}),
    });
    // A gray ring slot already is the luma plane: analyse it in place.
    this.luma = this.ring.format === 'gray' ? null : new Uint8Array(width * height);
    const t = settings.tensor;
    const size = t.width * t.height * 3;
    this.tensors = Array.from({ length: settings.regions.maxRegions }, () =>
      t.layout === 'nhwc-u8' ? new Uint8Array(size) : new Float32Array(size));
  }

  /** Analyses one frame; a frame the kernels reject is counted and skipped, never fatal to the worker. */
  onFrame(slot: number): void {
    try {
      this.analyse(slot);
    } catch {
      this.stats.add(Counter.Errors);
    }
  }

  private analyse(slot: number): void {
    const ring = this.ring;
    const frame = ring.slots[slot] as Uint8Array;
    const captureMs = ring.metaOf(slot, Meta.CaptureMs);
    const commitMs = ring.metaOf(slot, Meta.CommitMs);
    const { width, height } = ring;
    let luma = frame;
    if (this.luma !== null) luma = toLuma(frame, ring.format, width, height, this.luma, width, height);
    const changed = this.detector.detect(luma);
    const motionMs = now();
    const s = this.stats;
    s.add(Counter.Analysed);
    s.set(Counter.LastMotionRatio, changed / (width * height));
    s.observe(Stage.CaptureToRing, commitMs - captureMs);
    s.observe(Stage.RingToMotion, motionMs - commitMs);
    s.observe(Stage.CaptureToMotion, motionMs - captureMs);
    const boxCount = this.detector.stats[6] as number;
    if (boxCount === 0) return;
    s.add(Counter.MotionFrames);
    if (changed / (width * height) > this.settings.lightingRatio) {
      s.add(Counter.LightingChanges);
      return;
    }
    this.candidates(frame, luma, boxCount, ring.metaOf(slot, Meta.Seq), captureMs);
    s.observe(Stage.MotionToCandidates, now() - motionMs);
  }

  private candidates(frame: Uint8Array, luma: Uint8Array, boxCount: number, seq: number, captureMs: number): void {
    const { width, height, format } = this.ring;
    const data = this.detector.boxData;
    this.boxes.length = 0;
    for (let i = 0; i < boxCount; i++) {
      this.boxes.push({ x: data[i * 5] as number, y: data[i * 5 + 1] as number, width: data[i * 5 + 2] as number, height: data[i * 5 + 3] as number });
    }
    const regions = selectRegions(this.boxes, { frameWidth: width, frameHeight: height, ...this.settings.regions });
    const t = this.settings.tensor;
    regions.forEach((region, i) => {
      const focus = sharpness(luma, width, height, region);
      cropResize(frame, format, width, height, { roi: region, width: t.width, height: t.height, layout: t.layout, letterbox: true }, this.tensors[i]);
      this.recent.push({ camera: this.id, seq, captureMs, region, tenengrad: focus.tenengrad });
      if (this.recent.length > RECENT_CANDIDATES) this.recent.shift();
    });
    this.stats.add(Counter.Candidates, regions.length);
  }
}
