/** The typed face of the native addon: kernels, SIMD selection and loading. */
export { PIXEL_FORMATS, SIMD_LEVELS, type PixelFormat, type SimdLevelName } from './binding.ts';
export { addonPath } from './load.ts';
export { simdReport, setSimdLevel, type SimdReport } from './simd.ts';
export { frameBytes, toLuma } from './luma.ts';
export {
  BOX_INTS,
  MotionBoxField,
  MotionDetector,
  MotionStat,
  STILL_FRAMES,
  motion,
  type MotionBox,
  type MotionOptions,
  type MotionResult,
} from './motion.ts';
export { sharpness, type Sharpness } from './sharpness.ts';
export {
  cropResize,
  tensorBoxToFrame,
  TENSOR_LAYOUTS,
  type CropMapping,
  type CropOptions,
  type CropResult,
  type TensorLayout,
} from './crop-resize.ts';
export { calibrateStampClock, epochMs, stampNow } from './clock.ts';
export { makePipe, reapChild, signalChild, spawnProcess, type Reaped, type Spawned } from './process.ts';
export { EAGAIN, pipeAvailable, pollReadable, readInto, setNonBlocking, setPipeSize, writeWake } from './pipe-io.ts';
export { trimHeap, type HeapTrimResult } from './heap.ts';
export { nameThisThread, THREAD_NAME_BYTES } from './thread-name.ts';
export type { Rect } from './types.ts';
