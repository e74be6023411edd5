/**
 * Transport bench: handing one frame from the main thread to a worker thread, acknowledged back, through
 * the FrameRing, postMessage with a structured-clone copy, and postMessage with a transferred pooled
 * ArrayBuffer. Every transport moves the frame's bytes from the same source frame into its medium
 * (a slot, a clone, a pooled buffer), so the fill is counted alike. One worker a transport, all three
 * (and a plain memcpy reference) alternating within each trial, after warm-up trials.
 */
import { once } from 'node:events';
import v8 from 'node:v8';
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { frameBytes, type PixelFormat } from '../src/native/index.ts';
import { Ctrl, FrameRing } from '../src/ring/layout.ts';
import { FrameRingProducer } from '../src/ring/producer.ts';
import { startWorker } from '../src/threads.ts';
import {
  ACK_BYTES, Ack, HAVE_MS, TRANSPORTS, allocCounters, clockOffsetMs, forceGc,
  type AllocCounters, type FromWorker, type ToWorker, type TransportName, type TransportWorkerData,
} from './fixtures/transport-protocol.ts';
import { alignColumns, machineFacts, type MachineFacts } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { alternateBatches, median, summarise, type BatchImpl, type Summary } from './lib/trials.ts';

/** Frames in flight while streaming: the ring's slot count, the transfer pool's size, the copy window. */
const WINDOW = 4;
const ACK_TIMEOUT_MS = 10_000;
/** The goal this bench checks: the ring's per-frame latency at least this many times below copy's at 1080p. */
const GOAL_RATIO = 10;
const WORKER = new URL('./fixtures/transport-worker.ts', import.meta.url);

interface FrameSize { width: number; height: number; format: PixelFormat }
const SIZES: FrameSize[] = [{ width: 640, height: 360, format: 'gray' }, { width: 1920, height: 1080, format: 'yuv420p' }];

interface Counts {
  trials: number;
  warmup: number;
  /** Frames a trial, one in flight (latency). */
  latencyFrames: number;
  /** Frames a trial, WINDOW in flight (throughput). */
  streamFrames: number;
  /** Frames of the first allocation window; halved while a GC lands in it, down to allocMinFrames. */
  allocFrames: number;
  allocMinFrames: number;
  allocRepeats: number;
}

function countsFor(size: FrameSize, quick: boolean): Counts {
  if (quick) return { trials: 3, warmup: 1, latencyFrames: 5, streamFrames: 10, allocFrames: 20, allocMinFrames: 4, allocRepeats: 1 };
  const large = size.width * size.height > 1e6;
  return {
    trials: 9, warmup: 2, latencyFrames: large ? 150 : 500, streamFrames: large ? 400 : 2000,
    allocFrames: 10_000, allocMinFrames: 8, allocRepeats: 3,
  };
}

/** The main thread's end of one transport: its worker, the shared ack block and the fill-and-send step. */
class Link {
  readonly words: Int32Array;
  readonly times: Float64Array;
  sent = 0;
  error: Error | null = null;
  /** Added to the worker's performance.now() to read it on the main thread's. */
  clockShiftMs = 0;
  ring: FrameRing | null = null;

  constructor(
    readonly name: TransportName,
    readonly worker: Worker,
    ack: SharedArrayBuffer,
    /** Moves `src` into the transport's medium and hands it over; returns when the main thread is free. */
    readonly send: (src: Uint8Array) => void,
    readonly close: () => void,
  ) {
    this.words = new Int32Array(ack, 0, 2);
    this.times = new Float64Array(ack);
    worker.on('error', (err: Error) => {
      this.error = err;
    });
  }

  waitAcked(target: number): void {
    for (;;) {
      const acked = Atomics.load(this.words, Ack.Acked);
      if (acked >= target) return;
      if (Atomics.wait(this.words, Ack.Acked, acked, ACK_TIMEOUT_MS) === 'timed-out') {
        throw new Error(`${this.name} worker acknowledged ${acked} of ${target} frames within ${ACK_TIMEOUT_MS} ms` +
          (this.error ? `: ${this.error.message}` : ''));
      }
    }
  }

  /** The main thread stamps the frame's first and last byte (untimed); the worker checks them. */
  private stamp(src: Uint8Array): void {
    src[0] = this.sent & 255;
    src[src.length - 1] = this.sent & 255;
  }

  /** One frame in flight: one-way latency and main-thread busy time, in ms, into the arrays. */
  pingPong(src: Uint8Array, n: number, latency: Float64Array, busy: Float64Array): void {
    for (let i = 0; i < n; i++) {
      this.stamp(src);
      const t0 = performance.now();
      this.send(src);
      const t1 = performance.now();
      this.waitAcked(++this.sent);
      latency[i] = (this.times[HAVE_MS] as number) + this.clockShiftMs - t0;
      busy[i] = t1 - t0;
    }
  }

  /** Up to WINDOW frames in flight; ms from the first fill to the last ack. */
  stream(src: Uint8Array, n: number): number {
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      if (this.sent - Atomics.load(this.words, Ack.Acked) >= WINDOW) this.waitAcked(this.sent - WINDOW + 1);
      this.stamp(src);
      this.send(src);
      this.sent++;
    }
    this.waitAcked(this.sent);
    return performance.now() - start;
  }

  async request(message: ToWorker): Promise<FromWorker> {
    const reply = once(this.worker, 'message') as Promise<[FromWorker]>;
    this.worker.postMessage(message);
    return (await reply)[0];
  }
}

async function openLink(transport: TransportName, size: FrameSize, bytes: number): Promise<Link> {
  const ack = new SharedArrayBuffer(ACK_BYTES);
  let data: TransportWorkerData;
  let send: (src: Uint8Array) => void;
  let ring: FrameRing | null = null;
  let port: MessagePort | null = null;
  if (transport === 'ring') {
    ring = FrameRing.create({ ...size, slots: WINDOW });
    const producer = new FrameRingProducer(ring);
    send = (src) => {
      producer.acquire().set(src);
      producer.commit(0, 0);
    };
    data = { transport, ack, ring: ring.buffer, port: null };
  } else {
    const channel = new MessageChannel();
    const main = channel.port1;
    port = main;
    data = { transport, ack, ring: null, port: channel.port2 };
    if (transport === 'copy') {
      send = (src) => main.postMessage(src);
    } else {
      const pool = Array.from({ length: WINDOW }, () => new Uint8Array(bytes));
      send = (src) => {
        // Buffers come back (before their ack) on the port; take them synchronously when the pool is dry.
        if (pool.length === 0) {
          for (let m = receiveMessageOnPort(main); m !== undefined; m = receiveMessageOnPort(main)) pool.push(m.message as Uint8Array<ArrayBuffer>);
        }
        const buffer = pool.pop();
        if (buffer === undefined) throw new Error('transfer pool empty although a slot of the window is free');
        buffer.set(src);
        main.postMessage(buffer, [buffer.buffer]);
      };
    }
  }
  const worker = startWorker(WORKER, data, { transferList: data.port ? [data.port] : [] });
  const ready = (await once(worker, 'message')) as [FromWorker];
  if (ready[0].op !== 'ready') throw new Error(`${transport} worker sent ${ready[0].op} before ready`);
  const link = new Link(transport, worker, ack, send, () => port?.close());
  link.ring = ring;
  link.clockShiftMs = clockOffsetMs() - ready[0].clockOffsetMs;
  return link;
}

/** Allocation counters of both threads over one window of `frames` streamed frames, GC forced before. */
interface AllocWindow { main: AllocCounters; worker: AllocCounters; gcs: number }

async function allocWindow(link: Link, src: Uint8Array, frames: number, profiler: v8.GCProfiler): Promise<AllocWindow> {
  const begin = await link.request({ op: 'allocBegin' });
  if (begin.op !== 'allocReady') throw new Error(`${link.name} worker answered allocBegin with ${begin.op}`);
  forceGc();
  profiler.start();
  const before = allocCounters();
  if (frames > 0) link.stream(src, frames);
  const after = allocCounters();
  const mainGcs = profiler.stop().statistics.length;
  const end = await link.request({ op: 'allocEnd' });
  if (end.op !== 'allocResult') throw new Error(`${link.name} worker answered allocEnd with ${end.op}`);
  return {
    main: { heap: after.heap - before.heap, arrayBuffers: after.arrayBuffers - before.arrayBuffers },
    worker: end.counters,
    gcs: mainGcs + end.gcs,
  };
}

export interface Allocation {
  /** Bytes a frame on each thread: V8 heap growth plus ArrayBuffer backing stores, empty-window bias removed. */
  mainBytesPerFrame: number;
  workerBytesPerFrame: number;
  main: AllocCounters;
  worker: AllocCounters;
  frames: number;
  windows: number;
  /** True when even the smallest window saw a GC: then the figures are lower bounds. */
  gcDuringWindow: boolean;
}

/**
 * Heap growth with no GC in between is exactly what was allocated, so: force a full GC, read the
 * counters, stream N frames, read them again, and keep the window only if no GC ran in it on either
 * thread (v8.GCProfiler); otherwise halve N. Windows of 0 frames give the counters' own bias (the
 * sampling objects, the control messages), subtracted. Medians of `allocRepeats` windows.
 */
async function measureAllocation(link: Link, src: Uint8Array, counts: Counts): Promise<Allocation> {
  const profiler = new v8.GCProfiler();
  const windows = async (frames: number): Promise<AllocWindow[]> => {
    const out: AllocWindow[] = [];
    for (let r = 0; r < counts.allocRepeats; r++) out.push(await allocWindow(link, src, frames, profiler));
    return out;
  };
  const pick = (ws: AllocWindow[], side: 'main' | 'worker', key: keyof AllocCounters): number => median(ws.map((w) => w[side][key]));
  const bias = await windows(0);
  let frames = counts.allocFrames;
  let measured = await windows(frames);
  while (measured.some((w) => w.gcs > 0) && frames > counts.allocMinFrames) {
    frames = Math.max(counts.allocMinFrames, frames >> 1);
    measured = await windows(frames);
  }
  const net = (side: 'main' | 'worker'): AllocCounters => ({
    heap: (pick(measured, side, 'heap') - pick(bias, side, 'heap')) / frames,
    arrayBuffers: (pick(measured, side, 'arrayBuffers') - pick(bias, side, 'arrayBuffers')) / frames,
  });
  const main = net('main');
  const worker = net('worker');
  return {
    mainBytesPerFrame: main.heap + main.arrayBuffers, workerBytesPerFrame: worker.heap + worker.arrayBuffers,
    main, worker, frames, windows: counts.allocRepeats, gcDuringWindow: measured.some((w) => w.gcs > 0),
  };
}

interface TrialSample { latencyMs: number; latencyP99Ms: number; busyMs: number; streamMsPerFrame: number }

function quantile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export interface TransportRow {
  size: string;
  frameBytes: number;
  transport: TransportName | 'memcpy';
  /** One-way, fill start on the main thread to the worker holding the frame; median of trial medians. */
  latencyUs: Summary;
  latencyP99Us: Summary;
  /** The main thread's synchronous share: fill plus the handoff call. */
  mainBusyUs: Summary;
  /** Sustained, WINDOW frames in flight; null for the memcpy reference. */
  framesPerSecond: Summary | null;
  allocation: Allocation | null;
  /** This row's median latency / the ring's (above 1: slower than the ring). */
  latencyRatioToRing: number;
  framesPerSecondRatioToRing: number | null;
  /** Frames the worker saw with a wrong sequence byte, and ring frames dropped as ring_full: both must be 0. */
  badFrames: number;
  droppedFull: number;
}

export interface TransportReport {
  scenario: 'transport';
  date: string;
  quick: boolean;
  machine: MachineFacts;
  window: number;
  counts: Counts[];
  /** Main-thread minus worker performance.now() origin, ms, per size and transport (mapped away). */
  clockShiftsMs: Record<string, number>;
  rows: TransportRow[];
  goal: { ratio: number; measured: number; met: boolean; text: string };
  notes: string[];
}

const us = (ms: readonly number[]): Summary => summarise(ms.map((v) => v * 1e3), 0);

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
    const reference = new Uint8Array(new SharedArrayBuffer(bytes));
    const impls: BatchImpl<TrialSample>[] = links.map((link) => ({
      name: link.name,
      trial: () => {
        link.pingPong(src, counts.latencyFrames, latency, busy);
        const streamMs = link.stream(src, counts.streamFrames);
        if (link.error) throw link.error;
        return { latencyMs: median([...latency]), latencyP99Ms: quantile(latency, 0.99), busyMs: median([...busy]), streamMsPerFrame: streamMs / counts.streamFrames };
      },
    }));
    impls.push({
      name: 'memcpy',
      trial: () => {
        for (let i = 0; i < counts.latencyFrames; i++) {
          const t0 = performance.now();
          reference.set(src);
          latency[i] = performance.now() - t0;
        }
        const m = median([...latency]);
        return { latencyMs: m, latencyP99Ms: quantile(latency, 0.99), busyMs: m, streamMsPerFrame: m };
      },
    });
    const samples = await alternateBatches(impls, counts.trials, counts.warmup);
    const rows: TransportRow[] = [];
    for (const name of [...TRANSPORTS, 'memcpy'] as const) {
      const s = samples.get(name) as TrialSample[];
      const link = links.find((l) => l.name === name);
      rows.push({
        size: label, frameBytes: bytes, transport: name,
        latencyUs: us(s.map((x) => x.latencyMs)), latencyP99Us: us(s.map((x) => x.latencyP99Ms)), mainBusyUs: us(s.map((x) => x.busyMs)),
        framesPerSecond: link ? summarise(s.map((x) => 1e3 / x.streamMsPerFrame), counts.streamFrames) : null,
        allocation: link ? await measureAllocation(link, src, counts) : null,
        latencyRatioToRing: 0, framesPerSecondRatioToRing: null,
        badFrames: link ? Atomics.load(link.words, Ack.Bad) : 0,
        droppedFull: link?.ring ? link.ring.counter(Ctrl.DroppedFull) : 0,
      });
    }
    const ring = rows[0] as TransportRow;
    for (const row of rows) {
      row.latencyRatioToRing = row.latencyUs.median / ring.latencyUs.median;
      row.framesPerSecondRatioToRing = row.framesPerSecond && ring.framesPerSecond ? row.framesPerSecond.median / ring.framesPerSecond.median : null;
    }
    return rows;
  } finally {
    for (const link of links) link.close();
    await Promise.all(links.map((link) => link.worker.terminate()));
  }
}

const NOTES = [
  'What each case includes (all three move the bytes of the same source frame; the main thread first writes a',
  '  sequence byte at both ends of it, untimed, and the worker checks both on every frame):',
  `  ring:     main: FrameRingProducer.acquire() + slot.set(src) (memcpy into the SharedArrayBuffer slot) + commit()`,
  '            (metadata, Atomics.store/add/notify). worker: wakes from FrameRingConsumer.wait (Atomics.waitAsync),',
  `            tryAcquire() -> the slot, read in place. back: release(slot), ack. ${WINDOW} slots.`,
  '  copy:     main: port.postMessage(src): V8 serializes (copies) the frame into a malloc\'d message buffer.',
  '            worker: the \'message\' event deserializes it into a NEW ArrayBuffer (a second copy). back: ack.',
  `  transfer: main: a Uint8Array from a pool of ${WINDOW} (refilled with receiveMessageOnPort), pooled.set(src),`,
  '            port.postMessage(pooled, [pooled.buffer]) (detached, not copied). worker: the \'message\' event gets',
  '            the same memory. back: the worker posts it back with a transfer list, then acks.',
  '  memcpy:   reference, no thread: the fill alone (TypedArray.set of the frame into a SharedArrayBuffer).',
  'ack: the worker does Atomics.add + Atomics.notify on a shared Int32; the main thread blocks in Atomics.wait, so',
  '  its loop is synchronous (no event loop turn, no promise) for every transport.',
  'latency: ONE-WAY, not round trip / 2: from just before the fill on the main thread to the worker holding the',
  '  frame, one frame in flight. Each thread\'s performance.now() is mapped onto process.hrtime (one monotonic',
  '  clock for the whole process) by an offset measured on each thread at start, so no wall-clock skew enters.',
  'main busy: the main thread\'s synchronous share of the same frames (fill + handoff call).',
  `frames/s: a fixed count of frames streamed with up to ${WINDOW} in flight, first fill to last ack.`,
  'ratio: this row\'s median latency / the ring\'s ("x SLOWER" = slower than the ring).',
  'alloc B/frame: V8 heap growth (used_heap_size) + ArrayBuffer bytes (process.memoryUsage().arrayBuffers) per',
  '  frame on each thread over a streamed window, GC forced before and no GC inside (checked with v8.GCProfiler on',
  '  both threads; the window is halved until none lands in it, ">=" marks a lower bound when one still did),',
  '  bias of empty windows subtracted. Not visible to these counters: copy\'s malloc\'d serialization buffer (one',
  '  frame a message on the main thread, freed once the worker has deserialized it).',
];

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

function bytesText(v: number, lowerBound: boolean): string {
  const text = Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
  return lowerBound ? `>=${text}` : text;
}

function versusRing(row: TransportRow): string {
  if (row.transport === 'ring') return 'baseline';
  const r = row.latencyRatioToRing;
  return r >= 1 ? `${fmt(r)}x SLOWER` : `${fmt(1 / r)}x faster`;
}

export function formatReport(report: TransportReport): string {
  const header = ['size', 'transport', 'latency us median (min-max)', 'p99 us', 'main busy us', 'frames/s median (min-max)',
    'vs ring (latency)', 'alloc B/frame main', 'worker'];
  const body = report.rows.map((r) => [
    r.size, r.transport,
    `${fmt(r.latencyUs.median)} (${fmt(r.latencyUs.min)}-${fmt(r.latencyUs.max)})`,
    fmt(r.latencyP99Us.median),
    fmt(r.mainBusyUs.median),
    r.framesPerSecond ? `${fmt(r.framesPerSecond.median)} (${fmt(r.framesPerSecond.min)}-${fmt(r.framesPerSecond.max)})` : '-',
    versusRing(r),
    r.allocation ? bytesText(r.allocation.mainBytesPerFrame, r.allocation.gcDuringWindow) : '-',
    r.allocation ? bytesText(r.allocation.workerBytesPerFrame, r.allocation.gcDuringWindow) : '-',
  ]);
  const m = report.machine;
  const c = report.counts;
  const lines = [
    `transport bench${report.quick ? ' (--quick: tiny counts, numbers mean nothing)' : ''}`,
    `${m.cpu}, ${m.cores} cores, ${m.platform}, node ${m.node}, commit ${m.gitCommit ?? 'none'}`,
    ...c.map((k, i) => `${report.rows.find((_, j) => j === i * (TRANSPORTS.length + 1))?.size ?? ''}: ${k.trials} trials after ${k.warmup} warm-up, ` +
      `${k.latencyFrames} frames one-in-flight + ${k.streamFrames} frames streamed a transport a trial; alloc windows from ${k.allocFrames} frames`),
    '',
    ...alignColumns(header, body, 2),
    '',
  ];
  for (const r of report.rows) {
    if (r.allocation) lines.push(`alloc ${r.size} ${r.transport}: window ${r.allocation.frames} frames x${r.allocation.windows}` +
      `${r.allocation.gcDuringWindow ? ' (a GC landed in it: lower bound)' : ', no GC'}; main heap ${fmt(r.allocation.main.heap)} + ` +
      `arrayBuffers ${fmt(r.allocation.main.arrayBuffers)}, worker heap ${fmt(r.allocation.worker.heap)} + arrayBuffers ${fmt(r.allocation.worker.arrayBuffers)} B/frame`);
  }
  const faults = report.rows.filter((r) => r.badFrames > 0 || r.droppedFull > 0);
  lines.push(faults.length === 0 ? 'every frame arrived intact (sequence bytes checked), ring drops: 0'
    : faults.map((r) => `FAULT ${r.size} ${r.transport}: ${r.badFrames} frames with a wrong sequence byte, ${r.droppedFull} ring drops`).join('\n'));
  lines.push('', ...report.notes, '', report.goal.text);
  return lines.join('\n');
}

function goalOf(rows: TransportRow[]): TransportReport['goal'] {
  const large = rows.filter((r) => r.frameBytes === Math.max(...rows.map((x) => x.frameBytes)));
  const ring = large.find((r) => r.transport === 'ring') as TransportRow;
  const copy = large.find((r) => r.transport === 'copy') as TransportRow;
  const measured = copy.latencyUs.median / ring.latencyUs.median;
  const met = measured >= GOAL_RATIO;
  const fps = ring.framesPerSecond && copy.framesPerSecond ? ring.framesPerSecond.median / copy.framesPerSecond.median : 0;
  const text = `goal: ring at least ${GOAL_RATIO}x cheaper than copy at ${ring.size} (median one-way latency): ` +
    `${fmt(copy.latencyUs.median)} us / ${fmt(ring.latencyUs.median)} us = ${fmt(measured)}x -> goal ${met ? 'met' : 'missed'}` +
    ` (frames/s ${fmt(fps)}x, main busy ${fmt(copy.mainBusyUs.median / ring.mainBusyUs.median)}x)`;
  return { ratio: GOAL_RATIO, measured, met, text };
}

/** Measures every size and transport and returns the report (prints nothing). */
export async function measure(options: BenchOptions): Promise<TransportReport> {
  const counts = SIZES.map((size) => countsFor(size, options.quick));
  const shifts: Record<string, number> = {};
  const rows: TransportRow[] = [];
  for (const [i, size] of SIZES.entries()) rows.push(...await benchSize(size, counts[i] as Counts, shifts));
  return {
    scenario: 'transport', date: new Date().toISOString(), quick: options.quick,
    machine: machineFacts({}), window: WINDOW, counts, clockShiftsMs: shifts, rows, goal: goalOf(rows), notes: NOTES,
  };
}

export async function run(options: BenchOptions): Promise<TransportReport> {
  const report = await measure(options);
  console.log(formatReport(report));
  return report;
}
