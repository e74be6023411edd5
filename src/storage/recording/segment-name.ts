/**
 * A segment's file name says what its index row does: `<camera>/<YYYY-MM-DD>/<HH-MM-SS.mmm>_<duration ms>_<class>.<ext>`
 * (UTC), so the start-up reconciliation rebuilds a row a crash lost from the name alone, without probing the file. The class
 * letter says why the segment is kept: p(ending), c(ontinuous), m(otion), e(vents); a decision renames.
 */
import path from 'node:path';
import type { KeepClass } from '../../config/recording-schema.ts';

/** Why a segment is on disk; `pending` until no future event can still reach it. */
export type SegmentClass = KeepClass | 'pending';

export type SegmentExtension = 'mp4' | 'ts';

export interface Segment {
  camera: string;
  /** Wall-clock start and end of its first and past its last frame, epoch ms. */
  startMs: number;
  endMs: number;
  bytes: number;
  cls: SegmentClass;
  ext: SegmentExtension;
}

const LETTER: Record<SegmentClass, string> = { pending: 'p', continuous: 'c', motion: 'm', events: 'e' };
const CLASS_OF: Record<string, SegmentClass> = { p: 'pending', c: 'continuous', m: 'motion', e: 'events' };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const FILE = /^(\d{2})-(\d{2})-(\d{2})\.(\d{3})_(\d{1,9})_([pcme])\.(mp4|ts)$/;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function dayDir(startMs: number): string {
  const d = new Date(startMs);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function segmentFileName(s: Pick<Segment, 'startMs' | 'endMs' | 'cls' | 'ext'>): string {
  const d = new Date(s.startMs);
  const time = `${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  return `${time}_${Math.max(0, Math.round(s.endMs - s.startMs))}_${LETTER[s.cls]}.${s.ext}`;
}

/** The segment's path relative to the recordings root, `/`-separated: its key in the index. */
export function segmentKey(s: Pick<Segment, 'camera' | 'startMs' | 'endMs' | 'cls' | 'ext'>): string {
  return `${s.camera}/${dayDir(s.startMs)}/${segmentFileName(s)}`;
}

/** The segment's path under the recordings root. */
export function segmentPath(root: string, s: Pick<Segment, 'camera' | 'startMs' | 'endMs' | 'cls' | 'ext'>): string {
  return path.join(root, s.camera, dayDir(s.startMs), segmentFileName(s));
}

/** The UTC day a `YYYY-MM-DD` directory holds, as [start, end) epoch ms; null for another name. */
export function dayRange(day: string): [number, number] | null {
  const d = DAY.exec(day);
  if (!d) return null;
  const start = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]));
  return Number.isFinite(start) ? [start, start + 86_400_000] : null;
}

/** The segment a `<day>/<file>` pair names, or null for any other file (left alone). */
export function parseSegmentName(camera: string, day: string, file: string, bytes: number): Segment | null {
  const d = DAY.exec(day);
  const f = FILE.exec(file);
  if (!d || !f) return null;
  const startMs = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(f[1]), Number(f[2]), Number(f[3]), Number(f[4]));
  if (!Number.isFinite(startMs)) return null;
  return {
    camera,
    startMs,
    endMs: startMs + Number(f[5]),
    bytes,
    cls: CLASS_OF[f[6] as string] as SegmentClass,
    ext: f[7] as SegmentExtension,
  };
}
