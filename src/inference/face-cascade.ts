/**
 * The face cascade (DeepStream's secondary GIE, Frigate's sub-label, in idea): after the object
 * detector, BlazeFace runs on the enlarged head region of each person it found, cut from the colour
 * snapshot of the frame the crop slab keeps (so no pixels cross a thread), and the best face inside
 * the head region becomes the person's `face`, boxes and keypoints in frame pixels. Faces at CCTV
 * distance are 10-30 px: on the whole detector crop BlazeFace misses them, on a head square scaled to
 * its input they are 30-60 px. Runs inside inference pool workers.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { PanoptesError } from '../errors.ts';
import { log } from '../log.ts';
import { cropResize, type Rect } from '../native/index.ts';
import { createBlazefaceDetector, type BlazefaceDetector } from './backends/blazeface.ts';
import type { SnapshotFormat } from './region-copy.ts';
import type { Detection, DetectorInput } from './types.ts';

export const FACE_MODELS = ['blazeface-back-256', 'blazeface-front-128'] as const;

export const faceCascadeSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Look for a face on each detected person (ignored by backends that find no persons: motion, blazeface).'),
    model: z
      .enum(FACE_MODELS)
      .default('blazeface-back-256')
      .describe(
        'Shipped face model: back-256 finds faces down to ~20 px of its input (CCTV); front-128 is ~4x faster but wants close faces.',
      ),
    modelPath: z
      .string()
      .min(1)
      .optional()
      .describe('Your own BlazeFace ONNX (NCHW input, the two MediaPipe heads) instead of the shipped model.'),
    labels: z.array(z.string().min(1)).min(1).default(['person']).describe('Detections of these labels get a face search.'),
    headFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(0.4)
      .describe(
        "The head region: this upper share of a whole person's box, its full width; a box less than 2.5 times as tall as wide (head and shoulders, cut by the frame) gets a larger share, up to 0.6.",
      ),
    enlarge: z
      .number()
      .min(1)
      .max(4)
      .default(1.5)
      .describe('The head region is searched as a square this many times its longer side, centred on it (letterboxed into the model).'),
    minFaceScore: z.number().min(0).max(1).default(0.5).describe('Faces scoring below this are not attached.'),
    maxPerRegion: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(8)
      .describe('Largest objects searched a detector crop (a frame is one or more crops); the rest go without a face.'),
    threads: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe('onnxruntime intra-op threads of the face session in each inference worker.'),
    trackedIntervalMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(1000)
      .describe(
        "A camera's frames whose motion all lies within its tracked objects get a face search at most this often (their crops still go to the detector); new motion and full-frame passes are always searched. 0: every crop.",
      ),
  })
  .prefault({});
export type FaceCascadeOptions = z.output<typeof faceCascadeSchema>;
export type FaceCascadeInput = z.input<typeof faceCascadeSchema>;

/** Below this many frame pixels a side, a head square holds no face BlazeFace can find (~8 px). */
const MIN_SEARCH_SIDE = 16;
/** A head square holds one face, a crowd a few; more is noise. */
const MAX_FACES_A_SEARCH = 4;
/**
 * A person box is at least shoulder-wide, about twice a face; a "face" wider than 0.7 of it is the
 * body read as one (legs or chest of a person whose head is out of the picture scored 0.77 here).
 */
const MAX_FACE_WIDTH_SHARE = 0.7;
/**
 * BlazeFace boxes are square; one the picture's edge cut (clamped to less than 0.85 of its width) is
 * a face partly outside the picture, or a neck under a head that is, neither worth a best shot.
 */
const MIN_FACE_ASPECT = 0.85;
/** Padding outside the picture: black, which is what MediaPipe pads with (-1 after normalisation). */
const PAD = 0;

/** The colour frame a crop slab slot holds, and the part of it that is really there. */
export interface FrameSnapshot {
  data: Uint8Array;
  format: SnapshotFormat;
  width: number;
  height: number;
  /** The region copied into the snapshot (outside it, the bytes are stale). */
  valid: Rect;
}

/** What a cascade pass did, summed over a task. */
export interface FaceSearchStats {
  /** Head regions searched. */
  searched: number;
  /** Faces attached. */
  found: number;
  ms: number;
}

/** Height over width of a standing person's box, for which headFraction is meant. */
const WHOLE_BODY_ASPECT = 2.5;
/** The largest share a squat box's head region grows to: the head of a head-and-shoulders view. */
const SQUAT_HEAD_FRACTION = 0.6;

/**
 * The upper part of the box where the head is, its full width: `headFraction` of a standing person's
 * box; a squatter box shows less of the body below the head (a person close to the camera, cut by the
 * frame's bottom edge), so the share grows as the box's aspect falls, up to SQUAT_HEAD_FRACTION. A box
 * cut by the frame's top edge is squat because its head is missing: growing it would search the chest.
 */
export function headRegion(box: Rect, headFraction: number): Rect {
  if (box.y < 1) return { x: box.x, y: box.y, width: box.width, height: box.height * headFraction };
  const aspect = box.height / Math.max(1, box.width);
  const squat = Math.min(Math.max(headFraction, SQUAT_HEAD_FRACTION), (headFraction * WHOLE_BODY_ASPECT) / Math.max(aspect, 1e-3));
  return { x: box.x, y: box.y, width: box.width, height: box.height * Math.max(headFraction, squat) };
}

/** The square searched for the face: the head region's longer side times `enlarge`, centred on it. */
export function headSquare(box: Rect, headFraction: number, enlarge: number): Rect {
  const head = headRegion(box, headFraction);
  const side = enlarge * Math.max(head.width, head.height);
  return { x: head.x + head.width / 2 - side / 2, y: head.y + head.height / 2 - side / 2, width: side, height: side };
}

/** `rect` on whole pixels inside `bounds`, or null when less than `min` pixels remain on a side. */
function clip(rect: Rect, bounds: Rect, min: number): Rect | null {
  const x0 = Math.max(bounds.x, Math.floor(rect.x)),
    y0 = Math.max(bounds.y, Math.floor(rect.y));
  const x1 = Math.min(bounds.x + bounds.width, Math.ceil(rect.x + rect.width)),
    y1 = Math.min(bounds.y + bounds.height, Math.ceil(rect.y + rect.height));
  return x1 - x0 < min || y1 - y0 < min ? null : { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** A face that can be this subject's: centred in its head region, whole, and not wider than a head. */
function plausible(face: Rect, subject: Rect, head: Rect): boolean {
  const cx = face.x + face.width / 2,
    cy = face.y + face.height / 2;
  return (
    cx >= head.x &&
    cx <= head.x + head.width &&
    cy >= head.y &&
    cy <= head.y + head.height &&
    face.width <= MAX_FACE_WIDTH_SHARE * subject.width &&
    Math.min(face.width, face.height) >= MIN_FACE_ASPECT * Math.max(face.width, face.height)
  );
}

export class FaceCascade {
  private readonly labels: ReadonlySet<string>;
  private readonly tensor: Float32Array;

  constructor(
    private readonly detector: BlazefaceDetector,
    private readonly options: FaceCascadeOptions,
  ) {
    this.labels = new Set(options.labels);
    this.tensor = new Float32Array(detector.tensor.width * detector.tensor.height * 3);
  }

  /** The shipped model's id, or the user's file. */
  get model(): string {
    return this.options.modelPath ?? this.options.model;
  }

  /**
   * Sets `face` on the largest `maxPerRegion` detections of the cascade's labels whose head region
   * shows one, searching `snapshot`; adds to `stats`. Detections of other labels are left alone.
   */
  async attach(detections: readonly Detection[], snapshot: FrameSnapshot, stats: FaceSearchStats): Promise<void> {
    const subjects = detections
      .filter((d) => this.labels.has(d.label))
      .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)
      .slice(0, this.options.maxPerRegion);
    const { headFraction, enlarge } = this.options;
    const spec = this.detector.tensor;
    for (const subject of subjects) {
      const square = clip(headSquare(subject.box, headFraction, enlarge), snapshot.valid, MIN_SEARCH_SIDE);
      if (square === null) continue;
      const started = performance.now();
      const { mapping } = cropResize(
        snapshot.data,
        snapshot.format,
        snapshot.width,
        snapshot.height,
        {
          roi: square,
          width: spec.width,
          height: spec.height,
          layout: 'nchw-f32',
          letterbox: true,
          pad: PAD,
          ...(spec.mean === undefined ? {} : { mean: spec.mean }),
          ...(spec.std === undefined ? {} : { std: spec.std }),
        },
        this.tensor,
      );
      const input: DetectorInput = { tensor: this.tensor, mapping, region: square, motion: [], contrast: 0 };
      const [faces = []] = await this.detector.detect([input]);
      stats.searched++;
      stats.ms += performance.now() - started;
      // Best first (mergeFaces): the first plausible one is theirs; a face beside the head region, in
      // the enlarged square, belongs to a neighbour.
      const head = headRegion(subject.box, headFraction);
      const face = faces.find((f) => plausible(f.box, subject.box, head));
      if (face === undefined) continue;
      subject.face = { box: face.box, score: face.score, keypoints: face.keypoints ?? [] };
      stats.found++;
    }
  }

  async close(): Promise<void> {
    await this.detector.close();
  }
}

/**
 * The cascade's face detector, loaded (and the shipped model converted on first use). A missing or
 * unusable model is E_MODEL_MISSING / E_MODEL_INVALID naming inference.faces.
 */
export async function createFaceCascade(options: FaceCascadeInput, logger: Logger = log.child({ module: 'faces' })): Promise<FaceCascade> {
  const o = faceCascadeSchema.parse(options);
  try {
    const detector = await createBlazefaceDetector(
      {
        type: 'blazeface',
        model: o.model === 'blazeface-front-128' ? 'front-128' : 'back-256',
        scoreThreshold: o.minFaceScore,
        maxFaces: MAX_FACES_A_SEARCH,
        maxBatch: 1,
        threads: o.threads,
        ...(o.modelPath === undefined ? {} : { modelPath: o.modelPath }),
      },
      logger,
      'inference.faces.modelPath',
    );
    return new FaceCascade(detector, o);
  } catch (err) {
    // The shipped model's own errors speak of the backend; say which setting this one is.
    if (err instanceof PanoptesError && !err.message.includes('inference.faces')) {
      err.message = `Face model inference.faces.model '${o.model}': ${err.message}`;
    }
    throw err;
  }
}
