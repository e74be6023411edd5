/**
 * Fragmented MP4 as ffmpeg writes it to a pipe (`-movflags empty_moov+default_base_moof`), cut into
 * what Media Source Extensions take: the init segment (ftyp + moov) and media fragments (moof + mdat,
 * one SourceBuffer append each). Each fragment is marked as starting on a sync sample (a key frame),
 * read from its first sample's flags (ISO/IEC 14496-12 8.8: trun per-sample or first-sample flags,
 * else the tfhd default, else the trex default in the moov), so a new viewer can start on one.
 */

export interface Mp4Fragment {
  /** moof + mdat, one buffer. */
  data: Buffer;
  /** Its first sample is a sync sample: a decoder can start here. */
  key: boolean;
  /** Its tfdt base media decode time in seconds (the time a browser's video element shows for it in MSE `segments` mode); null without a tfdt. */
  mediaS: number | null;
}

export interface Mp4Sink {
  init(data: Buffer): void;
  fragment(fragment: Mp4Fragment): void;
}

/** `sample_is_non_sync_sample` in the 32-bit sample flags. */
const NON_SYNC = 0x0001_0000;

function boxType(buffer: Buffer, offset: number): string {
  return buffer.toString('latin1', offset + 4, offset + 8);
}

/** The children of a box's payload [start, end) as [type, start of payload, end]. */
export function* childBoxes(buffer: Buffer, start: number, end: number): Generator<[string, number, number]> {
  let offset = start;
  while (offset + 8 <= end) {
    let size = buffer.readUInt32BE(offset);
    let header = 8;
    if (size === 1) {
      size = Number(buffer.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) size = end - offset;
    if (size < header || offset + size > end) return;
    yield [boxType(buffer, offset), offset + header, offset + size];
    offset += size;
  }
}

/** The payload range of the first box of `path` under [start, end), or null. */
export function findBox(buffer: Buffer, start: number, end: number, path: readonly string[]): [number, number] | null {
  let range: [number, number] = [start, end];
  for (const type of path) {
    let found: [number, number] | null = null;
    for (const [child, from, to] of childBoxes(buffer, range[0], range[1])) {
      if (child === type) {
        found = [from, to];
        break;
      }
    }
    if (found === null) return null;
    range = found;
  }
  return range;
}

/** trex default_sample_flags of the first track of a moov (0 when absent). */
export function trexDefaultFlags(moov: Buffer): number {
  const trex = findBox(moov, 0, moov.length, ['moov', 'mvex', 'trex']);
  // version/flags(4) track_ID(4) description_index(4) duration(4) size(4) flags(4)
  return trex !== null && trex[1] - trex[0] >= 24 ? moov.readUInt32BE(trex[0] + 20) : 0;
}

/** mdhd timescale of the first track of a moov (ticks a second; 0 when absent). */
export function mdhdTimescale(moov: Buffer): number {
  const mdhd = findBox(moov, 0, moov.length, ['moov', 'trak', 'mdia', 'mdhd']);
  if (mdhd === null) return 0;
  // version 1: created(8) modified(8) timescale; version 0: created(4) modified(4) timescale.
  const at = mdhd[0] + 4 + (moov.readUInt8(mdhd[0]) === 1 ? 16 : 8);
  return at + 4 <= mdhd[1] ? moov.readUInt32BE(at) : 0;
}

/** The first track fragment's base media decode time in ticks, or null without a tfdt. */
export function baseDecodeTime(moof: Buffer): number | null {
  const tfdt = findBox(moof, 0, moof.length, ['moof', 'traf', 'tfdt']);
  if (tfdt === null) return null;
  return moof.readUInt8(tfdt[0]) === 1 ? Number(moof.readBigUInt64BE(tfdt[0] + 4)) : moof.readUInt32BE(tfdt[0] + 4);
}

/** Whether the first sample of a moof's first track run is a sync sample. */
export function startsWithSync(moof: Buffer, trexFlags: number): boolean {
  const traf = findBox(moof, 0, moof.length, ['moof', 'traf']);
  if (traf === null) return false;
  let flags = trexFlags;
  const tfhd = findBox(moof, traf[0], traf[1], ['tfhd']);
  if (tfhd !== null) {
    const tf = moof.readUInt32BE(tfhd[0]) & 0xff_ffff;
    // track_ID, then the optional fields in order: base_data_offset(8), description index, duration, size, flags.
    let at = tfhd[0] + 8;
    if (tf & 0x01) at += 8;
    if (tf & 0x02) at += 4;
    if (tf & 0x08) at += 4;
    if (tf & 0x10) at += 4;
    if (tf & 0x20) flags = moof.readUInt32BE(at);
  }
  const trun = findBox(moof, traf[0], traf[1], ['trun']);
  if (trun === null) return false;
  const tr = moof.readUInt32BE(trun[0]) & 0xff_ffff;
  let at = trun[0] + 8; // version/flags, sample_count
  if (tr & 0x01) at += 4; // data_offset
  if (tr & 0x04) flags = moof.readUInt32BE(at);
  else if (tr & 0x400) {
    // Per-sample flags: the first sample's, after its duration and size when present.
    const skip = (tr & 0x100 ? 4 : 0) + (tr & 0x200 ? 4 : 0);
    flags = moof.readUInt32BE(at + skip);
  }
  return (flags & NON_SYNC) === 0;
}

/**
 * Splits a byte stream of top-level boxes: ftyp+moov become the init segment, each moof with the
 * mdat after it one fragment. Bytes are kept only until their box is whole.
 */
export class Mp4Splitter {
  readonly #sink: Mp4Sink;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #ftyp: Buffer | null = null;
  #moof: Buffer | null = null;
  #trexFlags = 0;
  #timescale = 0;
  #initSent = false;

  constructor(sink: Mp4Sink) {
    this.#sink = sink;
  }

  feed(chunk: Buffer): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    for (;;) {
      if (this.#pendingBytes < 8) return;
      const head = this.#peek(16);
      let size = head.readUInt32BE(0);
      if (size === 1) {
        if (head.length < 16) return;
        size = Number(head.readBigUInt64BE(8));
      }
      if (size < 8) throw new Error(`malformed MP4 box of size ${size} in ffmpeg's output`);
      if (this.#pendingBytes < size) return;
      this.#box(boxType(head, 0), this.#take(size));
    }
  }

  #box(type: string, box: Buffer): void {
    switch (type) {
      case 'ftyp':
        this.#ftyp = box;
        return;
      case 'moov':
        this.#trexFlags = trexDefaultFlags(box);
        this.#timescale = mdhdTimescale(box);
        this.#initSent = true;
        this.#sink.init(this.#ftyp === null ? box : Buffer.concat([this.#ftyp, box]));
        return;
      case 'moof':
        this.#moof = box;
        return;
      case 'mdat': {
        const moof = this.#moof;
        this.#moof = null;
        if (moof === null || !this.#initSent) return;
        const ticks = baseDecodeTime(moof);
        const mediaS = ticks === null || this.#timescale === 0 ? null : ticks / this.#timescale;
        this.#sink.fragment({ data: Buffer.concat([moof, box]), key: startsWithSync(moof, this.#trexFlags), mediaS });
        return;
      }
      default:
      // styp, sidx, free, mfra: nothing a SourceBuffer needs.
    }
  }

  #peek(bytes: number): Buffer {
    const first = this.#pending[0] as Buffer;
    if (first.length >= bytes || this.#pending.length === 1) return first.subarray(0, bytes);
    const joined = Buffer.concat(this.#pending);
    this.#pending = [joined];
    return joined.subarray(0, bytes);
  }

  #take(bytes: number): Buffer {
    const joined = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending);
    this.#pendingBytes -= bytes;
    this.#pending = this.#pendingBytes > 0 ? [joined.subarray(bytes)] : [];
    // A copy: the box outlives the pipe's chunk, which may be large and mostly other boxes.
    return Buffer.from(joined.subarray(0, bytes));
  }
}
