/**
 * A byte copy that allocates nothing on the JS heap. In Node 20, `Buffer.copy` of part of a buffer and
 * `set(subarray(...))` both make a view object first (about 98 B a call); the FIFO reader copies every
 * read of ffmpeg's output into a ring slot, so on the coordinator that was 96 B a frame. Bounds are
 * checked by the addon (E_NATIVE_ARG naming the argument); the ranges may overlap.
 */
import { addon } from './load.ts';

export function copyBytes(dst: Uint8Array, dstOffset: number, src: Uint8Array, srcOffset: number, length: number): void {
  addon().copyBytes(dst, dstOffset, src, srcOffset, length);
}
