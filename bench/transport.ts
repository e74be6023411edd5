/**
 * Transport bench: handing one frame from the main thread to a worker thread, acknowledged back, through
 * the FrameRing, postMessage with a structured-clone copy, and postMessage with a transferred pooled
 * ArrayBuffer. Every transport moves the frame's bytes from the same source frame into its medium
 * (a slot, a clone, a pooled buffer), so the fill is counted alike. One worker a transport; the three
 * and two memcpy references (the fill alone) alternate within each trial, after warm-up trials.
 */
import { frameBytes } from '../src/native/index.ts';
import { Ctrl } from '../src/ring/layout.ts';
import {
  measureAllocation,
  openLink,
  type Allocation,
  type AllocationCountsOptions,
  type FrameSize,
  type ThreadAllocation,
} from './fixtures/transport-link.ts';
import { Ack, TRANSPORTS, WINDOW, type TransportName } from './fixtures/transport-protocol.ts';
import { alignColumns, machineFacts, type MachineFacts } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { alternateBatches, median, summarise, type BatchImpl, type Summary } from './lib/trials.ts';

/** The goal this bench checks: the ring's per-frame latency at least this many times below copy's at 1080p. */
const GOAL_RATIO = 10;
const SIZES: FrameSize[] = [
  { width: 640, height: 360, format: 'gray' },
  { width: 1920, height: 1080, format: 'yuv420p' },
];

interface Counts extends AllocationCountsOptions {
  trials: number;
  warmup: number;
  /** Frames a trial, one in flight (latency). */
  latencyFrames: number;
  /** Frames a trial, WINDOW in flight (throughput). */
  streamFrames: number;
}

function countsFor(size: FrameSize, quick: boolean): Counts {
  if (quick) return { trials: 3, warmup: 1, latencyFrames: 5, streamFrames: 10, allocFrames: 20, allocMinFrames: 4, allocRepeats: 1 };
  const large = size.width * size.height > 1e6;
  return {
    trials: 9,
    warmup: 2,
    latencyFrames: large ? 150 : 500,
    streamFrames: large ? 400 : 2000,
    allocFrames: 10_000,
    allocMinFrames: 8,
    allocRepeats: 3,
  };
}

interface TrialSample {
  latencyMs: number;
  latencyP99Ms: number;
  busyMs: number;
  streamMsPerFrame: number;
  faultsPerFrame: number;
}

function quantile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** The fill alone, no thread: a reference row, never a transport. */
const REFERENCES = ['memcpy->SAB', 'memcpy->AB'] as const;
type ReferenceName = (typeof REFERENCES)[number];

export interface TransportRow {
  size: string;
  frameBytes: number;
  transport: TransportName | ReferenceName;
  /** One-way, fill start on the main thread to the worker holding the frame: trial medians (us). */
  latencyUs: Summary;
  latencyP99Us: Summary;
  /** The main thread's synchronous share: fill plus the handoff call (us). */
  mainBusyUs: Summary;
  /** Minor page faults of the whole process a frame during this transport's trials (others idle then). */
  pageFaultsPerFrame: Summary;
  /** Sustained, WINDOW frames in flight, a fixed count a trial; null for the references. */
  framesPerSecond: Summary | null;
  allocation: Allocation | null;
  /** This row's median latency / the ring's (above 1: slower than the ring). */
  latencyRatioToRing: number;
  /** This row's median frames/s / the ring's (above 1: more frames/s than the ring). */
  framesPerSecondRatioToRing: number | null;
  /** Frames that reached the worker after a later frame, torn frames, ring_full drops: all must be 0. */
  outOfOrder: number;
  torn: number;
  droppedFull: number;
}

export interface TransportReport {
  scenario: 'transport';
  date: string;
  quick: boolean;
  machine: MachineFacts;
  window: number;
  counts: Counts[];
  /** Added to a worker's performance.now() to read it on the main thread's, ms, by size and transport. */
  clockShiftsMs: Record<string, number>;
  rows: TransportRow[];
  goal: { ratio: number; measured: number; met: boolean; text: string };
  notes: string[];
}

const usOf = (ms: readonly number[], frames: number): Summary =>
  summarise(
    ms.map((v) => v * 1e3),
    frames,
  );

/** Times the fill alone into `dst`, one frame a sample, like the ping-pong's busy time. */
function fillReference(name: ReferenceName, dst: Uint8Array, src: Uint8Array, frames: number, times: Float64Array): BatchImpl<TrialSample> {
  return {
    name,
    trial: () => {
      for (let i = 0; i < frames; i++) {
        const t0 = performance.now();
        dst.set(src);
        times[i] = performance.now() - t0;
      }
      const m = median([...times.subarray(0, frames)]);
      return { latencyMs: m, latencyP99Ms: quantile(times.subarray(0, frames), 0.99), busyMs: m, streamMsPerFrame: m, faultsPerFrame: 0 };
    },
  };
}

async function benchSize(size: FrameSize, counts: Counts, shifts: Record<string, number>): Promise<TransportRow[]> {
  const bytes = frameBytes(size.format, size.width, size.height);
  const label = `${size.width}x${size.height} ${size.format}`;
  const src = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) src[i] = (i * 31 + 7) & 255;
  const links = await Promise.all(TRANSPORTS.map((t) => openLink(t, size, bytes)));
  try {
    for (const link of links) shifts[`${label} ${link.name}`] = link.clockShiftMs;
    const latency = new Float64Array(counts.latencyFrames);
    const busy = new Float64Array(counts.latencyFrames);
    const impls: BatchImpl<TrialSample>[] = links.map((link) => ({
      name: link.name,
      trial: () => {
        const faults = process.resourceUsage().minorPageFault;
        link.pingPong(src, counts.latencyFrames, latency, busy);
        const streamMs = link.stream(src, counts.streamFrames);
        if (link.error) throw link.error;
        return {
          latencyMs: median([...latency]),
          latencyP99Ms: quantile(latency, 0.99),
          busyMs: median([...busy]),
          streamMsPerFrame: streamMs / counts.streamFrames,
          faultsPerFrame: (process.resourceUsage().minorPageFault - faults) / (counts.latencyFrames + counts.streamFrames),
        };
      },
    }));
    impls.push(fillReference('memcpy->SAB', new Uint8Array(new SharedArrayBuffer(bytes)), src, counts.latencyFrames, latency));
    impls.push(fillReference('memcpy->AB', new Uint8Array(bytes), src, counts.latencyFrames, latency));
    const samples = await alternateBatches(impls, counts.trials, counts.warmup);
    const rows: TransportRow[] = [];
    for (const name of [...TRANSPORTS, ...REFERENCES]) {
      const s = samples.get(name) as TrialSample[];
      const link = links.find((l) => l.name === name);
      const framesPerSecond = link
        ? summarise(
            s.map((x) => 1e3 / x.streamMsPerFrame),
            counts.streamFrames,
          )
        : null;
      rows.push({
        size: label,
        frameBytes: bytes,
        transport: name,
        latencyUs: usOf(
          s.map((x) => x.latencyMs),
          counts.latencyFrames,
        ),
        latencyP99Us: usOf(
          s.map((x) => x.latencyP99Ms),
          counts.latencyFrames,
        ),
        mainBusyUs: usOf(
          s.map((x) => x.busyMs),
          counts.latencyFrames,
        ),
        pageFaultsPerFrame: summarise(
          s.map((x) => x.faultsPerFrame),
          counts.latencyFrames + counts.streamFrames,
        ),
        framesPerSecond,
        allocation: link && framesPerSecond ? await measureAllocation(link, src, counts, framesPerSecond.median) : null,
        latencyRatioToRing: 0,
        framesPerSecondRatioToRing: null,
        outOfOrder: link ? Atomics.load(link.words, Ack.OutOfOrder) : 0,
        torn: link ? Atomics.load(link.words, Ack.Torn) : 0,
        droppedFull: link?.ring ? link.ring.counter(Ctrl.DroppedFull) : 0,
      });
    }
    const ring = rows[0] as TransportRow;
    for (const row of rows) {
      row.latencyRatioToRing = row.latencyUs.median / ring.latencyUs.median;
      row.framesPerSecondRatioToRing =
        row.framesPerSecond && ring.framesPerSecond ? row.framesPerSecond.median / ring.framesPerSecond.median : null;
    }
    return rows;
  } finally {
    for (const link of links) link.close();
    await Promise.all(links.map((link) => link.worker.terminate()));
  }
}

const NOTES = [
  'What each row includes. All three transports move the bytes of the same source frame (a plain ArrayBuffer);',
  '  before each frame the main thread writes a sequence byte at both its ends (untimed), the worker checks both.',
  '  ring:     main: FrameRingProducer.acquire() + slot.set(src) (copy into the SharedArrayBuffer slot) + commit()',
  '            (metadata, Atomics.store/add/notify, then the doorbell: Atomics.add/notify). worker: the channel',
  "            worker's RingDrainLoop wakes from Atomics.wait on the doorbell, tryAcquire() -> the slot, read in",
  `            place. back: release(slot), ack. ${WINDOW} slots.`,
  "  copy:     main: port.postMessage(src): V8 serializes (copies) the frame into a malloc'd message buffer.",
  "            worker: the 'message' event deserializes it into a NEW ArrayBuffer (a second copy). back: ack.",
  `  transfer: main: a Uint8Array from a pool of ${WINDOW} (refilled with receiveMessageOnPort), pooled.set(src),`,
  "            port.postMessage(pooled, [pooled.buffer]) (detached, not copied). worker: the 'message' event gets",
  '            the same memory. back: the worker posts it back with a transfer list, then acks.',
  '  memcpy->SAB, memcpy->AB: references, no thread: the fill alone, TypedArray.set of the frame into a',
  "            SharedArrayBuffer view (the ring's fill) and into a plain ArrayBuffer view (the transfer's fill).",
  'ack: the worker does Atomics.add + Atomics.notify on a shared Int32; the main thread blocks in Atomics.wait, so',
  '  its loop is synchronous (no event loop turn, no promise) for every transport.',
  'latency: ONE-WAY, not round trip / 2: from just before the fill on the main thread to the worker holding the',
  "  frame, one frame in flight. Each thread's performance.now() is mapped onto process.hrtime (one monotonic",
  '  clock for the whole process) by an offset measured on each thread at start, so no wall-clock skew enters.',
  '  Median a trial; the column is the median of the trial medians (min-max over trials); p99 likewise.',
  "main busy: the main thread's synchronous share of the same frames (fill + handoff call).",
  `frames/s: a fixed count of frames streamed with up to ${WINDOW} in flight, first fill to last ack.`,
  'vs ring: ratio of median latencies; "x SLOWER" = slower than the ring, said plainly either way.',
  'alloc B/frame: growth of V8 used_heap_size + process.memoryUsage().arrayBuffers per frame, per thread, over',
  '  streamed windows after the timed trials, a full GC forced before each (--expose-gc set at run time) and no',
  '  GC inside on that thread (v8.GCProfiler), else the window halves; ">=" marks a lower bound if a GC still',
  '  landed in the smallest one; empty-window bias subtracted; median of the windows. Not visible to these',
  "  counters: copy's malloc'd serialization buffer (one frame a message, main thread, freed after delivery).",
  '  The worker reads its clock a frame only while latency is measured (a clock read is 16 B in Node 20), so',
  "  these windows count the transport alone; the ring's producer stamps its times natively (stampNow), allocating nothing.",
  "faults/frame: minor page faults of the whole process (process.resourceUsage) a frame over a transport's trials",
  '  (the other workers are idle meanwhile): fresh memory being touched, e.g. a new ArrayBuffer the allocator got',
  '  from the kernel; each costs a trap and the zeroing of a 4 KiB page.',
];

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

function bytesText(t: ThreadAllocation): string {
  const v = t.bytesPerFrame;
  const text = Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
  return t.lowerBound ? `>=${text}` : text;
}

function versusRing(row: TransportRow): string {
  if (row.transport === 'ring') return 'baseline';
  const r = row.latencyRatioToRing;
  return r >= 1 ? `${fmt(r)}x SLOWER` : `${fmt(1 / r)}x faster`;
}

const range = (s: Summary): string => `${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)})`;

export function formatReport(report: TransportReport): string {
  const header = [
    'size',
    'transport',
    'us/frame median (min-max)',
    'p99 us',
    'main busy us',
    'frames/s median (min-max)',
    'vs ring',
    'B/frame main',
    'B/frame worker',
    'faults/frame',
  ];
  const body = report.rows.map((r) => [
    r.size,
    r.transport,
    range(r.latencyUs),
    fmt(r.latencyP99Us.median),
    fmt(r.mainBusyUs.median),
    r.framesPerSecond ? range(r.framesPerSecond) : '-',
    versusRing(r),
    r.allocation ? bytesText(r.allocation.main) : '-',
    r.allocation ? bytesText(r.allocation.worker) : '-',
    r.framesPerSecond ? fmt(r.pageFaultsPerFrame.median) : '-',
  ]);
  const m = report.machine;
  const lines = [
    `transport bench${report.quick ? ' (--quick: tiny counts, numbers mean nothing)' : ''}`,
    `${m.cpu}, ${m.cores} cores, ${m.platform}, node ${m.node}, commit ${m.gitCommit ?? 'none'}`,
    ...SIZES.map((size, i) => {
      const k = report.counts[i] as Counts;
      return (
        `${size.width}x${size.height}: ${k.trials} trials after ${k.warmup} warm-up; a transport a trial: ${k.latencyFrames} frames ` +
        `one in flight (latency, busy), then ${k.streamFrames} streamed (frames/s)`
      );
    }),
    `clock shift worker->main measured: ${Object.values(report.clockShiftsMs)
      .map((v) => fmt(v * 1e3))
      .join(', ')} us`,
    '',
    ...alignColumns(header, body, 2),
    '',
  ];
  for (const r of report.rows) {
    if (!r.allocation) continue;
    const t = (name: string, a: ThreadAllocation): string =>
      `${name} ${fmt(a.heapPerFrame)} heap + ${fmt(a.arrayBuffersPerFrame)} ArrayBuffer B/frame (${a.windows} windows of ${a.frames} frames` +
      `${a.lowerBound ? ', GC inside: lower bound' : ''})`;
    lines.push(`alloc ${r.size} ${r.transport}: ${t('main', r.allocation.main)}; ${t('worker', r.allocation.worker)}`);
  }
  const faults = report.rows.filter((r) => r.outOfOrder > 0 || r.torn > 0 || r.droppedFull > 0);
  if (faults.length === 0) lines.push('every frame reached its worker whole and in order (sequence bytes checked); ring_full drops: 0');
  for (const r of faults) {
    lines.push(`FAULT ${r.size} ${r.transport}: ${r.outOfOrder} frames out of order, ${r.torn} torn, ${r.droppedFull} ring_full drops`);
  }
  lines.push('', ...report.notes, '', report.goal.text);
  return lines.join('\n');
}

function goalOf(rows: TransportRow[]): TransportReport['goal'] {
  const largest = Math.max(...rows.map((r) => r.frameBytes));
  const ring = rows.find((r) => r.frameBytes === largest && r.transport === 'ring') as TransportRow;
  const copy = rows.find((r) => r.frameBytes === largest && r.transport === 'copy') as TransportRow;
  const measured = copy.latencyUs.median / ring.latencyUs.median;
  const met = measured >= GOAL_RATIO;
  const fps = copy.framesPerSecondRatioToRing ? 1 / copy.framesPerSecondRatioToRing : 0;
  const text =
    `goal: ring at least ${GOAL_RATIO}x cheaper than copy at ${ring.size}, by median us/frame: ` +
    `${fmt(copy.latencyUs.median)} / ${fmt(ring.latencyUs.median)} = ${fmt(measured)}x -> goal ${met ? 'met' : 'missed'}` +
    ` (copy's trial medians span ${fmt(copy.latencyUs.min)}-${fmt(copy.latencyUs.max)} us = ` +
    `${fmt(copy.latencyUs.min / ring.latencyUs.median)}-${fmt(copy.latencyUs.max / ring.latencyUs.median)}x; ` +
    `frames/s ${fmt(fps)}x, main busy ${fmt(copy.mainBusyUs.median / ring.mainBusyUs.median)}x)`;
  return { ratio: GOAL_RATIO, measured, met, text };
}

/** Measures every size and transport and returns the report (prints nothing). */
export async function measure(options: BenchOptions): Promise<TransportReport> {
  const counts = SIZES.map((size) => countsFor(size, options.quick));
  const shifts: Record<string, number> = {};
  const rows: TransportRow[] = [];
  for (const [i, size] of SIZES.entries()) rows.push(...(await benchSize(size, counts[i] as Counts, shifts)));
  return {
    scenario: 'transport',
    date: new Date().toISOString(),
    quick: options.quick,
    machine: machineFacts({}),
    window: WINDOW,
    counts,
    clockShiftsMs: shifts,
    rows,
    goal: goalOf(rows),
    notes: NOTES,
  };
}

export async function run(options: BenchOptions): Promise<TransportReport> {
  const report = await measure(options);
  console.log(formatReport(report));
  return report;
}
