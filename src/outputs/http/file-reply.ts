/**
 * Sends a file (a clip) with HTTP Range support: `bytes=a-b`, `bytes=a-` and `bytes=-n` (one range; a
 * multi-range request gets the whole file, as RFC 9110 allows), 206 with Content-Range, 416 for a
 * range past the end. The body is read in chunks and written with uWS backpressure (tryEnd, then
 * onWritable), so a slow client holds one chunk in memory, not the file. The file is opened before
 * the headers go out: a clip deleted from the cache afterwards stays readable to the end.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { RangeNotSatisfiableError } from '../../errors.ts';
import type { ResponseHandle } from './response.ts';

const CHUNK = 256 * 1024;

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** The one range a `Range` header asks of a file of `size` bytes; null for the whole file. */
export function parseRange(header: string, size: number): ByteRange | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw new RangeNotSatisfiableError(size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) throw new RangeNotSatisfiableError(size);
  return { start, end };
}

export async function sendFile(
  response: ResponseHandle,
  file: string,
  contentType: string,
  rangeHeader: string,
  headers: Record<string, string> = {},
): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const range = rangeHeader === '' ? null : parseRange(rangeHeader, size);
    const start = range?.start ?? 0;
    const length = range ? range.end - range.start + 1 : size;
    const res = response.take();
    if (res === null) return;
    res.cork(() => {
      res.writeStatus(range ? '206 Partial Content' : '200 OK');
      res.writeHeader('content-type', contentType);
      res.writeHeader('accept-ranges', 'bytes');
      if (range) res.writeHeader('content-range', `bytes ${range.start}-${range.end}/${size}`);
      for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
      if (length === 0) res.end();
    });
    if (length > 0) await pump(response, handle, start, length);
  } finally {
    await handle.close();
  }
}

/** Writes `length` bytes from `start`, waiting for the socket whenever uWS cannot take more. */
async function pump(response: ResponseHandle, handle: FileHandle, start: number, length: number): Promise<void> {
  const res = response.raw;
  let sent = 0;
  while (sent < length && !response.aborted) {
    const { bytesRead, buffer } = await handle.read(
      Buffer.allocUnsafe(Math.min(CHUNK, length - sent)),
      0,
      Math.min(CHUNK, length - sent),
      start + sent,
    );
    if (bytesRead === 0 || response.aborted) return;
    const chunk = buffer.subarray(0, bytesRead);
    const offset = res.getWriteOffset();
    let ok = false;
    let done = false;
    res.cork(() => {
      [ok, done] = res.tryEnd(chunk, length);
    });
    sent += bytesRead;
    if (done || ok) continue;
    // uWS took part of the chunk: the rest goes out as the socket drains.
    await new Promise<void>((resolve) => {
      response.onAbort(resolve);
      res.onWritable((at) => {
        if (response.aborted) {
          resolve();
          return true;
        }
        const [wrote, finished] = res.tryEnd(chunk.subarray(at - offset), length);
        if (wrote || finished) resolve();
        return wrote;
      });
    });
  }
}
