/**
 * Start-up agreement between the recordings directory and its index, for what a crash (a kill -9
 * loses the last second of rows), a hand in the directory or a disk restored from a copy leaves:
 * - a segment file without a row (filed or renamed just before the crash): indexed from its name;
 * - an empty segment file: removed (counted `incomplete`);
 * - a row whose file is gone: removed, with the clip of every event it was the last recording of;
 * - an unfinished file in `<camera>/.incoming` (ffmpeg was writing it): removed (`incomplete`);
 * - any other file: left alone.
 * Costs one readdir and one indexed range query a camera and day, and a stat only for a file without
 * a row, so a restart with a year of segments does not probe each of them.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { dayRange, parseSegmentName, segmentKey } from './segment-name.ts';
import { INCOMING_DIR, type SegmentStore } from './segment-store.ts';

const DAY_MS = 86_400_000;

export interface SegmentReconciliation {
  /** Rows the index had; files found without a row and indexed; rows without a file removed. */
  rows: number;
  indexed: number;
  rowsRemoved: number;
  /** Unfinished and empty files removed. */
  incomplete: number;
}

export async function reconcileSegments(store: SegmentStore): Promise<SegmentReconciliation> {
  const { root, index } = store;
  await mkdir(root, { recursive: true });
  index.flush();
  const result: SegmentReconciliation = { rows: 0, indexed: 0, rowsRemoved: 0, incomplete: 0 };
  for (const t of index.totals().values()) result.rows += t.segments;
  const visited = new Set<string>();
  for (const camera of await dirs(root)) {
    // Camera ids never start with a dot; the clip cache does.
    if (camera.startsWith('.')) continue;
    for (const day of await dirs(path.join(root, camera))) {
      const dir = path.join(root, camera, day);
      if (day === INCOMING_DIR) {
        for (const file of await readdir(dir)) {
          await store.removeIncomplete(camera, path.join(dir, file));
          result.incomplete++;
        }
        continue;
      }
      const range = dayRange(day);
      if (range === null) continue;
      visited.add(`${camera}/${range[0]}`);
      const rows = new Map(store.segments(camera, range[0], range[1]).map((s) => [segmentKey(s), s]));
      for (const file of await readdir(dir)) {
        const key = `${camera}/${day}/${file}`;
        if (rows.delete(key)) continue;
        const bytes = (await stat(path.join(dir, file)).catch(() => null))?.size ?? 0;
        const segment = parseSegmentName(camera, day, file, bytes);
        // A name the recorder would not write (another file, or the same time spelled otherwise).
        if (segment === null || segmentKey(segment) !== key) continue;
        if (bytes === 0) {
          await store.removeIncomplete(camera, path.join(dir, file));
          result.incomplete++;
          continue;
        }
        index.put(segment);
        result.indexed++;
      }
      for (const gone of rows.values()) index.remove(gone);
      result.rowsRemoved += rows.size;
    }
  }
  // Days whose directory is gone altogether.
  for (const { camera, dayStartMs } of [...index.days()]) {
    if (visited.has(`${camera}/${dayStartMs}`)) continue;
    const gone = store.segments(camera, dayStartMs, dayStartMs + DAY_MS);
    for (const s of gone) index.remove(s);
    result.rowsRemoved += gone.length;
  }
  index.flush();
  return result;
}

async function dirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}
