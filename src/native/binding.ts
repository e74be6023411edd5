/**
 * The raw addon surface exactly as native/addon.cc exports it. Positional numbers instead of option
 * objects keep the per-frame call free of allocations; the typed wrappers in this folder are the API.
 */
import { invalidArgument } from './is.ts';

export interface RawSimdReport {
  compiled: string[];
  supported: string[];
  best: string;
}

export interface RawAddon {
  simd(): RawSimdReport;
  frameBytes(format: number, width: number, height: number): number;
  toLuma(
    src: Uint8Array,
    format: number,
    width: number,
    height: number,
    dst: Uint8Array,
    dstWidth: number,
    dstHeight: number,
    level: number,
  ): void;
  motion(
    cur: Uint8Array,
    ref: Uint8Array | Float32Array,
    width: number,
    height: number,
    threshold: number,
    minArea: number,
    alpha: number,
    foregroundAlpha: number,
    exclude: Uint8Array | null,
    grid: Uint32Array,
    gridCols: number,
    gridRows: number,
    boxes: Int32Array,
    stats: Float64Array,
    level: number,
  ): void;
  sharpness(
    plane: Uint8Array,
    width: number,
    height: number,
    roiX: number,
    roiY: number,
    roiWidth: number,
    roiHeight: number,
    out: Float64Array,
    level: number,
  ): void;
  cropResize(
    src: Uint8Array,
    format: number,
    width: number,
    height: number,
    roiX: number,
    roiY: number,
    roiWidth: number,
    roiHeight: number,
    dst: Uint8Array | Float32Array,
    dstWidth: number,
    dstHeight: number,
    letterbox: boolean,
    pad: number,
    norm: Float32Array | null,
    mapping: Float64Array,
    level: number,
  ): void;
  /** target[index] = CLOCK_MONOTONIC ms + offsetMs (src/native/clock.ts holds the offset). */
  stampEpochMs(target: Float64Array, index: number, offsetMs: number): void;
  /** fcntl(F_SETPIPE_SZ): the pipe's size now, or -errno (src/native/pipe-io.ts makes that an error). */
  setPipeSize(fd: number, bytes: number): number;
  /** malloc_trim(0): 1 released, 0 nothing to release, -1 not glibc (src/native/heap.ts). */
  trimHeap(): number;
  /** posix_spawnp with child fd i = fds[i] (-1: /dev/null); error 0 or an errno (src/native/process.ts). */
  spawnProcess(file: string, argv: string[], fds: Int32Array): { pid: number; pidfd: number; error: number };
  /** pipe2(O_CLOEXEC): [readFd, writeFd], or the errno. */
  makePipe(): [number, number] | number;
  setNonBlocking(fd: number): number;
  readInto(fd: number, dst: Uint8Array, offset: number, length: number): number;
  pipeAvailable(fd: number): number;
  pollReadable(fds: Int32Array, ready: Uint8Array, count: number, timeoutMs: number): number;
  writeWake(fd: number): number;
  /** waitpid(WNOHANG): 1 (out = [code, signal]), 0 still running, or -errno. */
  reapChild(pid: number, out: Int32Array): number;
  /** pidfd_send_signal (kill(2) when pidfd is -1): 0 or the errno. */
  signalChild(pidfd: number, pid: number, signal: number): number;
  /** pthread_setname_np on the calling thread (at most 15 bytes): 0 or the errno. */
  setThreadName(name: string): number;
}

export const PIXEL_FORMATS = ['gray', 'yuv420p', 'nv12', 'rgb24', 'bgr24'] as const;
export type PixelFormat = (typeof PIXEL_FORMATS)[number];

export const SIMD_LEVELS = ['scalar', 'avx2', 'avx512', 'neon'] as const;
export type SimdLevelName = (typeof SIMD_LEVELS)[number];

/** Number the addon uses for a format; an unknown name is refused here, in the caller's own terms. */
export function formatCode(format: PixelFormat): number {
  const code = PIXEL_FORMATS.indexOf(format);
  if (code < 0) throw invalidArgument('format', `one of ${PIXEL_FORMATS.join(', ')}`, format);
  return code;
}
