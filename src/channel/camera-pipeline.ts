/**
 * One camera's analysis inside a channel worker: for each frame the worker's RingDrainLoop takes from
 * the camera's ring, luma, motion, candidate regions; the camera's sampling strategy decides whether
 * the frame's candidates go to inference, and then they are cropped into the camera's crop slab and
 * announced (CandidateSink), all read in place from the ring slot. Steady state with no motion
 * allocates nothing (the motion time is stamped natively, see ring/clock.ts); candidates (rare)
 * allocate their small records.
 */
import { createSampler, type FrameActivity, type FrameSampler } from './sampling.ts';
import { selectRegions } from './regions.ts';
import { BOX_INTS, MotionBoxField, MotionDetector, MotionStat, toLuma, type Rect } from '../native/index.ts';
import type { CandidateNotice, ChannelCameraSettings } from '../protocol.ts';
import { epochMs as now, stampNow } from '../ring/clock.ts';
import { FrameRingConsumer } from '../ring/consumer.ts';
import type { RingReader } from '../ring/drain-loop.ts';
import { FrameRing, Meta } from '../ring/layout.ts';
import { CandidateSink } from './candidate-sink.ts';
import { ChannelStats, Counter, Stage } from './stats.ts';

export class CameraPipeline implements RingReader {
  readonly id: string;
  readonly settings: ChannelCameraSettings;
  readonly consumer: FrameRingConsumer;
  private readonly ring: FrameRing;
  private readonly stats: ChannelStats;
  private readonly detector: MotionDetector;
  private readonly luma: Uint8Array | null;
  private readonly boxes: Array<Rect & { area: number }> = [];
  /** The motion time, stamped by the addon: a JS clock read would allocate a boxed number a frame. */
  private readonly clock = new Float64Array(1);
  private readonly sink: CandidateSink;
  private readonly sampler: FrameSampler | null;
  /** Reused for every frame: the sampler reads it and keeps nothing. */
  private readonly activity: FrameActivity = { frameIndex: -1, timeMs: 0, motionRatio: 0, candidates: 0 };

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
    this.sink = new CandidateSink(settings.crops, settings.id, notify, m);
    this.sampler = settings.sampling ? createSampler(settings.sampling) : null;
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
    const boxCount = this.detector.stats[MotionStat.Boxes] as number;
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
    if (!this.sink.throttle.take()) {
      s.add(Counter.Throttled);
      return;
    }
    const sent = this.sink.send({ frame, format: ring.format, width, height, luma, compared: this.detector.comparedPlane, captureMs }, regions, this.boxes);
    s.add(Counter.Candidates, sent);
    s.observe(Stage.MotionToCandidates, now() - motionMs);
  }

  private regions(boxCount: number): Rect[] {
    const { width, height } = this.ring;
    const data = this.detector.boxData;
    this.boxes.length = 0;
    for (let i = 0; i < boxCount; i++) {
      const b = i * BOX_INTS;
      this.boxes.push({
        x: data[b + MotionBoxField.X] as number, y: data[b + MotionBoxField.Y] as number,
        width: data[b + MotionBoxField.Width] as number, height: data[b + MotionBoxField.Height] as number,
        area: data[b + MotionBoxField.Area] as number,
      });
    }
    return selectRegions(this.boxes, { frameWidth: width, frameHeight: height, ...this.settings.regions });
  }
}

const NO_REGIONS: Rect[] = [];
