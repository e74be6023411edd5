/**
 * One camera's analysis inside a channel worker: for each frame the worker's RingDrainLoop takes from
 * the camera's ring, luma, motion, candidate regions; the camera's sampling strategy decides whether
 * the frame's candidates go to inference, and then they are cropped into the camera's crop slab and
 * announced (CandidateSink), all read in place from the ring slot. Without a slab (no inference) each
 * candidate gets its sharpness and a detector crop into local buffers and is only counted. Steady
 * state with no motion allocates nothing (the motion time is stamped natively, see ring/clock.ts);
 * candidates (rare) allocate their small records.
 */
import { createSampler, type FrameActivity, type FrameSampler } from './sampling.ts';
import { selectRegions } from './regions.ts';
import { MotionDetector, cropResize, sharpness, toLuma, type Rect } from '../native/index.ts';
import type { CandidateInfo, CandidateNotice, ChannelCameraSettings } from '../protocol.ts';
import { epochMs as now, stampNow } from '../ring/clock.ts';
import { FrameRingConsumer } from '../ring/consumer.ts';
import type { RingReader } from '../ring/drain-loop.ts';
import { FrameRing, Meta } from '../ring/layout.ts';
import { CandidateSink } from './candidate-sink.ts';
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
  private readonly boxes: Array<Rect & { area: number }> = [];
  /** The motion time, stamped by the addon: a JS clock read would allocate a boxed number a frame. */
  private readonly clock = new Float64Array(1);
  private readonly sink: CandidateSink | null;
  private readonly sampler: FrameSampler | null;
  /** Reused for every frame: the sampler reads it and keeps nothing. */
  private readonly activity: FrameActivity = { frameIndex: -1, timeMs: 0, motionRatio: 0, candidates: 0 };
  readonly recent: CandidateInfo[] = [];

  constructor(settings: ChannelCameraSettings, notify: (notice: CandidateNotice) => void = () => {}) {
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
    this.sink = settings.crops ? new CandidateSink(settings.crops, settings.id, notify, m) : null;
    this.sampler = settings.sampling ? createSampler(settings.sampling) : null;
    const t = settings.tensor;
    const size = t.width * t.height * 3;
    this.tensors = this.sink ? [] : Array.from({ length: settings.regions.maxRegions }, () =>
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
    stampNow(this.clock, 0);
    const motionMs = this.clock[0] as number;
    const s = this.stats;
    s.add(Counter.Analysed);
    s.set(Counter.LastMotionRatio, changed / (width * height));
    s.observe(Stage.CaptureToRing, commitMs - captureMs);
    s.observe(Stage.RingToMotion, motionMs - commitMs);
    s.observe(Stage.CaptureToMotion, motionMs - captureMs);
    const ratio = changed / (width * height);
    const boxCount = this.detector.stats[6] as number;
    let regions: Rect[] = NO_REGIONS;
    if (boxCount > 0) {
      s.add(Counter.MotionFrames);
      if (ratio > this.settings.lightingRatio) s.add(Counter.LightingChanges);
      else regions = this.regions(boxCount);
    }
    if (this.sampler !== null) {
      const a = this.activity;
      a.frameIndex++;
      a.timeMs = captureMs;
      a.motionRatio = ratio;
      a.candidates = regions.length;
      if (!this.sampler.shouldInfer(a)) {
        if (regions.length > 0) s.add(Counter.SampledOut);
        return;
      }
    }
    if (regions.length === 0) return;
    if (this.sink !== null && !this.sink.throttle.take()) {
      s.add(Counter.Throttled);
      return;
    }
    this.candidates(frame, luma, regions, ring.metaOf(slot, Meta.Seq), captureMs);
    s.observe(Stage.MotionToCandidates, now() - motionMs);
  }

  private regions(boxCount: number): Rect[] {
    const { width, height } = this.ring;
    const data = this.detector.boxData;
    this.boxes.length = 0;
    for (let i = 0; i < boxCount; i++) {
      const b = i * 5;
      this.boxes.push({ x: data[b] as number, y: data[b + 1] as number, width: data[b + 2] as number, height: data[b + 3] as number, area: data[b + 4] as number });
    }
    return selectRegions(this.boxes, { frameWidth: width, frameHeight: height, ...this.settings.regions });
  }

  private candidates(frame: Uint8Array, luma: Uint8Array, regions: Rect[], seq: number, captureMs: number): void {
    const { width, height, format } = this.ring;
    if (this.sink !== null) {
      const sent = this.sink.send({ frame, format, width, height, luma, compared: this.detector.comparedPlane, captureMs }, regions, this.boxes);
      this.stats.add(Counter.Candidates, sent);
      for (const region of regions) this.remember({ camera: this.id, seq, captureMs, region, tenengrad: -1 });
      return;
    }
    const t = this.settings.tensor;
    regions.forEach((region, i) => {
      const focus = sharpness(luma, width, height, region);
      cropResize(frame, format, width, height, { roi: region, width: t.width, height: t.height, layout: t.layout, letterbox: true }, this.tensors[i]);
      this.remember({ camera: this.id, seq, captureMs, region, tenengrad: focus.tenengrad });
    });
    this.stats.add(Counter.Candidates, regions.length);
  }

  private remember(candidate: CandidateInfo): void {
    this.recent.push(candidate);
    if (this.recent.length > RECENT_CANDIDATES) this.recent.shift();
  }
}

const NO_REGIONS: Rect[] = [];
