/**
 * One camera's analysis inside a channel worker: for each frame the worker's RingDrainLoop takes from
 * the camera's ring (the colour frame at detect resolution), the luma plane area-averaged down to the
 * small motion size, motion on it, its boxes scaled up to detect pixels and clustered into regions; the
 * camera's sampling strategy decides whether the frame's regions go to inference, and a slow full-frame
 * pass sends the whole frame now and then even without motion; motion that only moves objects already
 * tracked goes at most once a `regions.trackedIntervalMs` (TrackGate). Regions are cropped in colour from the
 * ring slot into the camera's crop slab and announced (CandidateSink).
 * A new ffmpeg run (reconnect) restarts the motion background; a frame where most pixels
 * changed re-baselines it. Steady state with no motion allocates nothing (the motion time is stamped
 * natively, see ring/clock.ts); candidates (rare) allocate their small records.
 */
import { createSampler, type FrameActivity, type FrameSampler } from './sampling.ts';
import { fullFrameRegions, selectRegions } from './regions.ts';
import { BOX_INTS, MotionBoxField, MotionDetector, MotionStat, toLuma, type Rect } from '../native/index.ts';
import type { CandidateNotice, ChannelCameraSettings } from '../protocol.ts';
import { epochMs as now, stampNow } from '../ring/clock.ts';
import { FrameRingConsumer } from '../ring/consumer.ts';
import type { RingReader } from '../ring/drain-loop.ts';
import { FrameRing, Meta } from '../ring/layout.ts';
import { CandidateSink } from './candidate-sink.ts';
import { ChannelStats, Counter, Stage } from './stats.ts';
import { TrackGate } from './track-gate.ts';
import { TrackedBoxes } from './tracked-boxes.ts';

/** Before the first frame: any run number differs from it. */
const NO_RUN = -1;

export class CameraPipeline implements RingReader {
  readonly id: string;
  readonly settings: ChannelCameraSettings;
  readonly consumer: FrameRingConsumer;
  private readonly ring: FrameRing;
  private readonly stats: ChannelStats;
  private readonly detector: MotionDetector;
  /** The motion plane, written by toLuma every frame. */
  private readonly luma: Uint8Array;
  /** Motion boxes of the current frame in detect pixels (areas in detect pixels too). */
  private readonly boxes: Array<Rect & { area: number }> = [];
  private readonly scaleX: number;
  private readonly scaleY: number;
  /** The full-frame pass's regions: fixed by the frame and detector sizes, made once. */
  private readonly fullFrame: Rect[];
  private lastFullFrameMs = Number.NEGATIVE_INFINITY;
  /** Motion seen since the last full-frame pass: without it the next pass would see the same picture. */
  private movedSincePass = false;
  /**
   * This camera's place in the full-frame period (ms): cameras started together would otherwise send
   * their full frames in the same instant every period, a burst the detector queue pays for in latency.
   */
  private readonly fullFramePhaseMs: number;
  private run = NO_RUN;
  /** The motion time, stamped by the addon: a JS clock read would allocate a boxed number a frame. */
  private readonly clock = new Float64Array(1);
  private readonly sink: CandidateSink;
  private readonly sampler: FrameSampler | null;
  private readonly gate: TrackGate;
  /** When this camera's crops last asked for a face search (inference.faces.trackedIntervalMs). */
  private lastFacesMs = Number.NEGATIVE_INFINITY;
  /** Reused for every frame: the sampler reads it and keeps nothing. */
  private readonly activity: FrameActivity = { frameIndex: -1, timeMs: 0, motionRatio: 0, candidates: 0 };

  constructor(settings: ChannelCameraSettings, notify: (notice: CandidateNotice) => void = () => {}) {
    this.id = settings.id;
    this.settings = settings;
    this.ring = FrameRing.attach(settings.ring);
    this.consumer = new FrameRingConsumer(this.ring);
    this.stats = new ChannelStats(settings.stats);
    const m = settings.motion;
    if (m.width > this.ring.width || m.height > this.ring.height) {
      throw new RangeError(
        `motion plane ${m.width}x${m.height} is larger than camera '${settings.id}''s frames (${this.ring.width}x${this.ring.height})`,
      );
    }
    this.detector = new MotionDetector({
      width: m.width,
      height: m.height,
      threshold: m.threshold,
      minArea: m.minArea,
      gridCols: m.gridCols,
      gridRows: m.gridRows,
      maxBoxes: m.maxBoxes,
      ...(m.alpha > 0 ? { alpha: m.alpha, foregroundAlpha: m.foregroundAlpha, learnFrames: m.learnFrames } : {}),
      ...(m.exclude ? { exclude: m.exclude } : {}),
    });
    this.luma = new Uint8Array(m.width * m.height);
    this.scaleX = this.ring.width / m.width;
    this.scaleY = this.ring.height / m.height;
    this.fullFrame = fullFrameRegions(this.ring.width, this.ring.height, settings.regions.minSide);
    this.fullFramePhaseMs = spread(settings.id) * settings.regions.fullFrameIntervalMs;
    this.sink = new CandidateSink(settings.crops, settings.id, notify, m);
    this.sampler = settings.sampling ? createSampler(settings.sampling) : null;
    this.gate = new TrackGate(new TrackedBoxes(settings.tracked), settings.regions.trackedIntervalMs);
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
    const s = this.stats;
    this.followRun(ring.metaOf(slot, Meta.Run));
    const luma = toLuma(frame, ring.format, ring.width, ring.height, this.luma, this.detector.width, this.detector.height);
    const changed = this.detector.detect(luma);
    stampNow(this.clock, 0);
    const motionMs = this.clock[0] as number;
    const ratio = changed / this.luma.length;
    s.add(Counter.Analysed);
    s.set(Counter.LastMotionRatio, ratio);
    s.observe(Stage.CaptureToRing, commitMs - captureMs);
    s.observe(Stage.RingToMotion, motionMs - commitMs);
    s.observe(Stage.CaptureToMotion, motionMs - captureMs);
    const boxCount = this.detector.stats[MotionStat.Boxes] as number;
    // Notices attach the boxes that overlap their region: a full-frame pass must not see an older frame's.
    this.boxes.length = 0;
    let regions: Rect[] = NO_REGIONS;
    if (boxCount > 0) {
      this.movedSincePass = true;
      s.add(Counter.MotionFrames);
      if (ratio > this.settings.lightingRatio) {
        // Most of the frame changed at once: a light switched, the camera moved or the picture cut.
        // Comparing the next frames with the old scene would report the whole frame as objects.
        s.add(Counter.LightingChanges);
        this.detector.rebaseline(luma);
      } else {
        regions = this.regions(boxCount);
      }
    }
    let fullFrameDue = this.fullFrameDue(captureMs);
    if (!this.sampled(regions, captureMs, ratio)) regions = NO_REGIONS;
    const known = regions.length > 0 ? this.gate.explain(this.boxes, captureMs) : null;
    if (known !== null) {
      s.add(known === 'quiet' ? Counter.QuietSkips : Counter.TrackedSkips);
      regions = NO_REGIONS;
    }
    if (fullFrameDue && !this.passFits(regions.length, captureMs)) fullFrameDue = false;
    if (regions.length === 0 && !fullFrameDue) return;
    if (!this.sink.throttle.take()) {
      s.add(Counter.Throttled);
      return;
    }
    if (fullFrameDue) {
      // The first pass goes at once (still objects are seen from the start); the next ones at the camera's phase.
      this.lastFullFrameMs = this.lastFullFrameMs === Number.NEGATIVE_INFINITY ? captureMs - this.fullFramePhaseMs : captureMs;
      s.add(Counter.FullFramePasses);
      this.movedSincePass = false;
      regions = regions.concat(this.fullFrame);
    }
    this.gate.sent(captureMs);
    this.candidates(frame, regions, captureMs, this.facesWanted(captureMs, fullFrameDue));
    s.observe(Stage.MotionToCandidates, now() - motionMs);
  }

  /**
   * Whether the slow full-frame pass is due: every fullFrameIntervalMs while things move, and only every
   * stillFullFrameIntervalMs while nothing did since the last pass. A still scene's next pass would
   * feed the detector the same picture, whose objects (if any) it already found and, never seeing them
   * twice in a row, left tentative; at 100 cameras, most of them still, those passes were a fifth of all
   * inferences. The longer period still catches changes too slow for motion (dusk, a fading shadow).
   */
  private fullFrameDue(captureMs: number): boolean {
    const { fullFrameIntervalMs, stillFullFrameIntervalMs } = this.settings.regions;
    if (fullFrameIntervalMs <= 0) return false;
    const since = captureMs - this.lastFullFrameMs;
    if (since < fullFrameIntervalMs) return false;
    return this.movedSincePass || stillFullFrameIntervalMs <= 0 || since >= Math.max(fullFrameIntervalMs, stillFullFrameIntervalMs);
  }

  /**
   * Whether the due full-frame pass fits in the camera's crop slab beside this frame's motion regions.
   * A pass is one or two tiles; sent into a slab whose slots are still queued, its tiles replaced the
   * queued motion crops (the newest of this very frame included), and each replacement counted as a
   * crop dropped for capacity, which the overload governor answers by lowering the camera's rate. So
   * the pass waits for free slots, at most one more period: then it goes regardless, so a camera
   * that is never idle still gets its passes.
   */
  private passFits(regionCount: number, captureMs: number): boolean {
    if (this.sink.freeSlots() >= regionCount + this.fullFrame.length) return true;
    return captureMs - this.lastFullFrameMs >= 2 * this.settings.regions.fullFrameIntervalMs;
  }

  /** A frame of a new ffmpeg run (the camera reconnected): its scene may differ, so motion starts again. */
  private followRun(run: number): void {
    if (run === this.run) return;
    if (this.run !== NO_RUN) {
      this.detector.reset();
      this.lastFullFrameMs = Number.NEGATIVE_INFINITY;
      this.stats.add(Counter.BackgroundResets);
    }
    this.run = run;
  }

  /** Whether the sampling strategy sends this frame's motion regions (it sees every frame, in order). */
  private sampled(regions: Rect[], captureMs: number, ratio: number): boolean {
    if (this.sampler === null) return true;
    const a = this.activity;
    a.frameIndex++;
    a.timeMs = captureMs;
    a.motionRatio = ratio;
    a.candidates = regions.length;
    if (this.sampler.shouldInfer(a)) return true;
    if (regions.length > 0) this.stats.add(Counter.SampledOut);
    return false;
  }

  /** Motion boxes scaled from the motion plane to detect pixels, then clustered into regions. */
  private regions(boxCount: number): Rect[] {
    const { width, height } = this.ring;
    const sx = this.scaleX;
    const sy = this.scaleY;
    const data = this.detector.boxData;
    for (let i = 0; i < boxCount; i++) {
      const b = i * BOX_INTS;
      const x = Math.floor((data[b + MotionBoxField.X] as number) * sx);
      const y = Math.floor((data[b + MotionBoxField.Y] as number) * sy);
      this.boxes.push({
        x,
        y,
        width: Math.min(width, Math.ceil(((data[b + MotionBoxField.X] as number) + (data[b + MotionBoxField.Width] as number)) * sx)) - x,
        height:
          Math.min(height, Math.ceil(((data[b + MotionBoxField.Y] as number) + (data[b + MotionBoxField.Height] as number)) * sy)) - y,
        area: Math.round((data[b + MotionBoxField.Area] as number) * sx * sy),
      });
    }
    const { regions, skipped } = selectRegions(this.boxes, { frameWidth: width, frameHeight: height, ...this.settings.regions });
    if (skipped > 0) this.stats.add(Counter.RegionsSkipped, skipped);
    return regions;
  }

  /**
   * Whether the face cascade searches this frame's crops: always for new motion (a person not tracked
   * yet) and full-frame passes, and for people already tracked once a face interval, as DeepStream's
   * secondary re-infer interval does: their crops still go to the detector once a track interval, but
   * the face model, about half of a person crop's cost, need not see every one.
   */
  private facesWanted(captureMs: number, fullFrameDue: boolean): boolean {
    const interval = this.settings.faceIntervalMs ?? 0;
    const due =
      interval <= 0 ||
      fullFrameDue ||
      captureMs - this.lastFacesMs >= interval ||
      (this.boxes.length > 0 && !this.gate.covers(this.boxes, captureMs));
    if (due) this.lastFacesMs = captureMs;
    return due;
  }

  private candidates(frame: Uint8Array, regions: Rect[], captureMs: number, faces: boolean): void {
    const { width, height, format } = this.ring;
    const d = this.detector;
    const sent = this.sink.send(
      {
        frame,
        format,
        width,
        height,
        captureMs,
        faces,
        motion: { luma: this.luma, compared: d.comparedPlane, width: d.width, height: d.height },
      },
      regions,
      this.boxes,
    );
    this.stats.add(Counter.Candidates, sent);
  }
}

const NO_REGIONS: Rect[] = [];

/** A fixed fraction in [0, 1) for a camera id (FNV-1a): spreads the cameras' periodic work evenly. */
function spread(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}
