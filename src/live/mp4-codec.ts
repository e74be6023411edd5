/**
 * The RFC 6381 codec string of an init segment's video track, what MediaSource.isTypeSupported and
 * addSourceBuffer need: `avc1.PPCCLL` from the avcC record (profile, constraint flags, level), or
 * `hvc1.P.C.TL.B` from hvcC (ISO/IEC 14496-15 annex E). Null when the sample entry is neither.
 */
import { childBoxes, findBox } from './mp4-boxes.ts';

const STSD_PATH = ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'];
/** A VisualSampleEntry's fixed fields before its child boxes. */
const VISUAL_ENTRY_BYTES = 78;

function hex2(value: number): string {
  return value.toString(16).padStart(2, '0');
}

function avcCodec(init: Buffer, entry: string, avcc: [number, number]): string {
  const [at] = avcc;
  return `${entry}.${hex2(init.readUInt8(at + 1))}${hex2(init.readUInt8(at + 2))}${hex2(init.readUInt8(at + 3))}`;
}

function hevcCodec(init: Buffer, entry: string, hvcc: [number, number]): string {
  const at = hvcc[0];
  const byte1 = init.readUInt8(at + 1);
  const space = ['', 'A', 'B', 'C'][byte1 >> 6] as string;
  const tier = byte1 & 0x20 ? 'H' : 'L';
  const profile = byte1 & 0x1f;
  // The compatibility flags are written bit-reversed, in hex without leading zeros.
  const compat = init.readUInt32BE(at + 2);
  let reversed = 0;
  for (let bit = 0; bit < 32; bit++) if (compat & (1 << bit)) reversed |= 1 << (31 - bit);
  const constraints: string[] = [];
  for (let i = 0; i < 6; i++)
    constraints.push(
      init
        .readUInt8(at + 6 + i)
        .toString(16)
        .toUpperCase(),
    );
  while (constraints.length > 0 && constraints.at(-1) === '0') constraints.pop();
  const level = init.readUInt8(at + 12);
  return [`${entry}.${space}${profile}`, (reversed >>> 0).toString(16).toUpperCase(), `${tier}${level}`, ...constraints].join('.');
}

export function codecString(init: Buffer): string | null {
  const stsd = findBox(init, 0, init.length, STSD_PATH);
  if (stsd === null) return null;
  // stsd: version/flags(4) entry_count(4), then the sample entries.
  for (const [entry, from, to] of childBoxes(init, stsd[0] + 8, stsd[1])) {
    const children = from + VISUAL_ENTRY_BYTES;
    if (entry === 'avc1' || entry === 'avc3') {
      const avcc = findBox(init, children, to, ['avcC']);
      if (avcc !== null) return avcCodec(init, entry, avcc);
    }
    if (entry === 'hvc1' || entry === 'hev1') {
      const hvcc = findBox(init, children, to, ['hvcC']);
      if (hvcc !== null) return hevcCodec(init, entry, hvcc);
    }
  }
  return null;
}
