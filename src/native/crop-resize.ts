/** Crops a region of a frame into a detector input tensor and maps detector boxes back. */
import { formatCode, type PixelFormat } from './binding.ts';
import { checkInteger, checkObject, checkOneOf, checkTriple, invalidArgument } from './is.ts';
import { addon } from './load.ts';
import { activeLevel } from './simd.ts';
import type { Rect } from './types.ts';

export const TENSOR_LAYOUTS = ['nhwc-u8', 'nchw-f32'] as const;
export type TensorLayout = (typeof TENSOR_LAYOUTS)[number];

export interface CropOptions {
  /** Region of the frame; the whole frame when omitted. */
  roi?: Rect;
  /** Tensor size. */
  width: number;
  height: number;
  /** 'nhwc-u8': RGB bytes (Uint8Array); 'nchw-f32': normalised RGB planes (Float32Array). */
  layout: TensorLayout;
  /** Keep the aspect ratio and pad (default false). */
  letterbox?: boolean;
  /** Pad value 0..255 (default 114, the YOLO convention). */
  pad?: number;
  /** nchw-f32 only: out = (v / 255 - mean[c]) / std[c], RGB order. Defaults 0 and 1. */
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
}

/** How tensor coordinates map back: frameX = roi.x + (tensorX - padX) / scaleX. */
export interface CropMapping {
  roi: Rect;
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
  contentWidth: number;
  contentHeight: number;
}

export interface CropResult<T extends Uint8Array | Float32Array> {
  tensor: T;
  mapping: CropMapping;
}

const mappingOut = new Float64Array(6);

/** Writes into `out` when given (reuse it on hot paths), else allocates the tensor. */
export function cropResize(
  src: Uint8Array,
  format: PixelFormat,
  width: number,
  height: number,
  options: CropOptions,
  out?: Uint8Array | Float32Array,
): CropResult<Uint8Array | Float32Array> {
  checkObject('options', options);
  const layout = checkOneOf('layout', options.layout, TENSOR_LAYOUTS);
  const roi = options.roi ?? { x: 0, y: 0, width, height };
  // Checked before the tensor is allocated from them (the addon's limit is 4096 a side).
  const size = checkInteger('options.width', options.width, 1, 4096) * checkInteger('options.height', options.height, 1, 4096) * 3;
  const tensor = out ?? (layout === 'nhwc-u8' ? new Uint8Array(size) : new Float32Array(size));
  if ((layout === 'nhwc-u8') !== tensor instanceof Uint8Array) {
    throw invalidArgument('out', `a ${layout === 'nhwc-u8' ? 'Uint8Array' : 'Float32Array'} for layout ${layout}`, out);
  }
  let norm: Float32Array | null = null;
  if (options.mean || options.std) {
    if (layout !== 'nchw-f32') throw invalidArgument('mean/std', "layout 'nchw-f32'", layout);
    norm = Float32Array.from([...checkTriple('mean', options.mean ?? [0, 0, 0]), ...checkTriple('std', options.std ?? [1, 1, 1], true)]);
  }
  addon().cropResize(
    src,
    formatCode(format),
    width,
    height,
    roi.x,
    roi.y,
    roi.width,
    roi.height,
    tensor,
    options.width,
    options.height,
    options.letterbox ?? false,
    options.pad ?? 114,
    norm,
    mappingOut,
    activeLevel(),
  );
  const m = (i: number): number => mappingOut[i] as number;
  return {
    tensor,
    mapping: { roi: { ...roi }, scaleX: m(0), scaleY: m(1), padX: m(2), padY: m(3), contentWidth: m(4), contentHeight: m(5) },
  };
}

/** Maps a box in tensor coordinates back to frame coordinates. */
export function tensorBoxToFrame(box: Rect, mapping: CropMapping): Rect {
  return {
    x: mapping.roi.x + (box.x - mapping.padX) / mapping.scaleX,
    y: mapping.roi.y + (box.y - mapping.padY) / mapping.scaleY,
    width: box.width / mapping.scaleX,
    height: box.height / mapping.scaleY,
  };
}
