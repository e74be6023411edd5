/**
 * Events database bench (issue 12): latency of `GET /api/v1/events` pages through the real HTTP server
 * (uWebSockets.js, the same routes and validation as the gateway) with the events database holding
 * 1,000,000 events (--quick: 2,000), written through the store's own batched write path.
 *
 * Contenders, alternating request batches in the same run after a warm-up:
 * - panoptes-sqlite: the shipped store (indexes on camera, label and start time, keyset cursor);
 * - sqlite-no-index: the same database file copied with its events indexes dropped, so each query
 *   scans the table: what the indexes buy at this size;
 * - memory-1k: the in-memory history the database replaced (a Map of the newest 1,000 events scanned
 *   newest first, its code kept below), for the one query it could answer (the newest page of a camera):
 *   the cost of serving from disk at 1,000x the history. It could not answer the others (its 1,000
 *   events cover the last minutes, not yesterday).
 * Request and response bytes, JSON encoding and the HTTP hop are the same for every contender; the
 * client runs in this process (fetch over loopback), so each latency includes its share too.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import type { DetectionEvent } from '../src/analytics/events.ts';
import { startHttpServer, type HttpServer } from '../src/outputs/http/server.ts';
import type { EventPage, EventQuery } from '../src/outputs/site.ts';
import { DATABASE_FILE, Storage } from '../src/storage/storage.ts';
import { RecordingSite } from '../test/support/recording-site.ts';
import { alignColumns, machineFacts } from './lib/report.ts';
import { silentProgress, Steps } from './lib/progress.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { median } from './lib/trials.ts';

const CAMERAS = 8;
const LABELS = ['person', 'car', 'person', 'truck', 'person', 'bicycle'];
const DAY_MS = 86_400_000;
const DAYS = 30;

interface Plan {
  events: number;
  trials: number;
  /** Requests a contender makes in a trial (the scan baseline makes fewer: it takes seconds). */
  requests: number;
  scanRequests: number;
}

const plan = (quick: boolean): Plan =>
  quick ? { events: 2000, trials: 2, requests: 5, scanRequests: 2 } : { events: 1_000_000, trials: 7, requests: 40, scanRequests: 3 };

export interface EventsDbRow {
  case: string;
  impl: string;
  /** Median of each trial's p50, with min-max over trials. */
  p50Ms: { median: number; min: number; max: number };
  /** Over every request of every trial. */
  p99Ms: number;
  requests: number;
  /** Its p50 / panoptes-sqlite's p50: above 1 this contender is slower. */
  p50RatioToOurs: number;
}

export interface EventsDbReport {
  scenario: 'events-db';
  date: string;
  quick: boolean;
  machine: ReturnType<typeof machineFacts>;
  plan: Plan;
  build: { ms: number; eventsPerSecond: number; databaseBytes: number };
  rows: EventsDbRow[];
  notes: string[];
}

/** Deterministic events spread over 30 days, newest at `nowMs`, as the decision layer publishes them. */
function syntheticEvent(n: number, total: number, nowMs: number): DetectionEvent {
  const startMs = nowMs - DAYS * DAY_MS + Math.floor((n * DAYS * DAY_MS) / total);
  const camera = `cam${(n * 7) % CAMERAS}`;
  const box = { x: (n * 13) % 1200, y: (n * 7) % 600, width: 60 + (n % 80), height: 120 + (n % 90) };
  return {
    id: `${startMs}-5eed0001.${n.toString(36)}`,
    camera,
    label: LABELS[n % LABELS.length] as string,
    score: 0.5 + (n % 50) / 100,
    box,
    trackId: n,
    startMs,
    endMs: startMs + 3000 + (n % 20) * 1000,
    bestShot: {
      quality: 12 + (n % 8),
      score: 0.8,
      sharpness: 5.5,
      brightness: 118,
      box,
      region: { x: box.x - 6, y: box.y - 12, width: box.width + 12, height: box.height + 24 },
      truncated: false,
      occlusion: 0,
      face: null,
      timeMs: startMs + 1500,
      jpeg: `${camera}/${n}`,
      frameJpeg: null,
    },
    zones: n % 5 === 0 ? ['door'] : n % 5 === 1 ? ['road', 'door'] : [],
    face: null,
  };
}

/** The in-memory history the events database replaced (src/site/event-history.ts before issue 12). */
class OldHistory {
  private readonly events = new Map<string, Readonly<DetectionEvent>>();
  constructor(private readonly max = 1000) {}

  record(event: DetectionEvent): void {
    this.events.delete(event.id);
    this.events.set(event.id, event);
    while (this.events.size > this.max) this.events.delete(this.events.keys().next().value as string);
  }

  query(q: EventQuery): DetectionEvent[] {
    const out: DetectionEvent[] = [];
    const limit = q.limit ?? 100;
    for (const e of [...this.events.values()].reverse()) {
      if (out.length >= limit) break;
      if (q.camera !== undefined && e.camera !== q.camera) continue;
      if (q.label !== undefined && e.label !== q.label) continue;
      out.push(e);
    }
    return out;
  }
}

class MemorySite extends RecordingSite {
  constructor(private readonly history: OldHistory) {
    super();
  }

  override events(query: EventQuery): EventPage {
    return { events: this.history.query(query).map((e) => ({ ...e, clip: null })), nextCursor: null };
  }
}

interface Contender {
  impl: string;
  base: string;
  requests: number;
}

async function timedGet(url: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  const ms = performance.now() - start;
  if (res.status !== 200 || body.byteLength < 20) throw new Error(`GET ${url} answered ${res.status}`);
  return ms;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Every contender must answer the same page, or the comparison would time different work. */
async function checkSameAnswer(query: string, contenders: readonly Contender[]): Promise<void> {
  const answers = await Promise.all(
    contenders.map(async (c) =>
      ((await (await fetch(`${c.base}/api/v1/events?${query}`)).json()) as EventPage).events.map((e) => e.id).join(),
    ),
  );
  const differs = contenders.find((_, i) => answers[i] !== answers[0]);
  if (differs !== undefined || answers[0] === '')
    throw new Error(`${differs?.impl ?? 'every contender'} answers ${query} differently (or not at all)`);
}

async function measureCase(name: string, query: string, contenders: readonly Contender[], trials: number): Promise<EventsDbRow[]> {
  await checkSameAnswer(query, contenders);
  for (const c of contenders) await timedGet(`${c.base}/api/v1/events?${query}`);
  const perTrial = new Map<string, number[]>(contenders.map((c) => [c.impl, []]));
  const all = new Map<string, number[]>(contenders.map((c) => [c.impl, []]));
  for (let t = 0; t < trials; t++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(t + k) % contenders.length] as Contender;
      const samples: number[] = [];
      for (let i = 0; i < c.requests; i++) samples.push(await timedGet(`${c.base}/api/v1/events?${query}`));
      perTrial.get(c.impl)?.push(median(samples));
      all.get(c.impl)?.push(...samples);
    }
  }
  const ours = median(perTrial.get('panoptes-sqlite') as number[]);
  return contenders.map((c) => {
    const p50s = perTrial.get(c.impl) as number[];
    const p50 = median(p50s);
    const samples = all.get(c.impl) as number[];
    return {
      case: name,
      impl: c.impl,
      p50Ms: { median: p50, min: Math.min(...p50s), max: Math.max(...p50s) },
      p99Ms: quantile(samples, 0.99),
      requests: samples.length,
      p50RatioToOurs: p50 / ours,
    };
  });
}

const sig = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toPrecision(3));

function table(rows: readonly EventsDbRow[]): string {
  const header = ['case / impl', 'p50 ms median (min-max)', 'p99 ms', 'requests', 'vs panoptes-sqlite'];
  const body = rows.map((r) => [
    `  ${r.impl}`,
    `${sig(r.p50Ms.median)} (${sig(r.p50Ms.min)}-${sig(r.p50Ms.max)})`,
    sig(r.p99Ms),
    String(r.requests),
    r.impl === 'panoptes-sqlite'
      ? 'baseline'
      : r.p50RatioToOurs >= 1
        ? `${sig(r.p50RatioToOurs)}x slower`
        : `${sig(1 / r.p50RatioToOurs)}x FASTER`,
  ]);
  const aligned = alignColumns(header, body);
  const lines = [aligned[0] as string];
  let last = '';
  rows.forEach((r, i) => {
    if (r.case !== last) lines.push('', r.case);
    last = r.case;
    lines.push(aligned[i + 1] as string);
  });
  return lines.join('\n');
}

const NOTES = [
  'p50: median over trials of each trial’s median request; p99: over every request of the contender.',
  'panoptes-sqlite: the shipped store and route. sqlite-no-index: the same file with the events indexes dropped',
  '  (each query scans and sorts the table). memory-1k: the former in-memory history of the newest 1,000 events.',
  'A request is GET + the whole JSON body read, by fetch in this process over loopback; pages are 100 events.',
];

export async function run(options: BenchOptions): Promise<EventsDbReport> {
  const p = plan(options.quick);
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-events-db-bench-'));
  const logger = pino({ level: 'silent' });
  const chunks = Math.ceil(p.events / 100_000);
  const steps = new Steps(options.progress ?? silentProgress, chunks + 4);
  const servers: HttpServer[] = [];
  const storages: Storage[] = [];
  try {
    const nowMs = Date.now();
    const history = new OldHistory();
    const indexedDir = path.join(dir, 'indexed');
    const seed = Storage.open({ dir: indexedDir, retention: { eventsDays: 36_500 } }, { logger, writes: { maxBatch: 10_000 } });
    const started = performance.now();
    steps.begin('writing events');
    for (let n = 0; n < p.events; n++) {
      const event = syntheticEvent(n, p.events, nowMs);
      seed.events.record({ type: 'end', event });
      if (n >= p.events - 1000) history.record(event);
      if (n % 100_000 === 99_999) steps.end();
    }
    seed.events.flush();
    if (p.events % 100_000 !== 0) steps.end();
    const buildMs = performance.now() - started;
    await seed.close();
    const databaseBytes = statSync(path.join(indexedDir, DATABASE_FILE)).size;

    const scanDir = path.join(dir, 'scan');
    mkdirSync(scanDir);
    copyFileSync(path.join(indexedDir, DATABASE_FILE), path.join(scanDir, DATABASE_FILE), 0);
    const raw = new Database(path.join(scanDir, DATABASE_FILE));
    raw.exec('DROP INDEX events_start; DROP INDEX events_camera_start; DROP INDEX events_label_start; DROP INDEX event_zones_zone_start;');
    raw.close();

    const site = async (storageDir: string | null): Promise<string> => {
      let s: RecordingSite;
      if (storageDir === null) s = new MemorySite(history);
      else {
        const storage = Storage.open({ dir: storageDir, retention: { eventsDays: 36_500 } }, { logger });
        storages.push(storage);
        s = new RecordingSite({ storage });
      }
      const server = await startHttpServer({
        site: s,
        host: '127.0.0.1',
        port: 0,
        logger,
        tokens: [],
        bodyLimitBytes: 65_536,
        metrics: async () => ({ contentType: 'text/plain', body: '' }),
      });
      servers.push(server);
      return `http://127.0.0.1:${server.port}`;
    };
    const ours: Contender = { impl: 'panoptes-sqlite', base: await site(indexedDir), requests: p.requests };
    const scan: Contender = { impl: 'sqlite-no-index', base: await site(scanDir), requests: p.scanRequests };
    const memory: Contender = { impl: 'memory-1k', base: await site(null), requests: p.requests };

    const yesterday = nowMs - DAY_MS - (nowMs % DAY_MS);
    // Deep into the camera's history: at 1M events, past its newest 1,000 (a quick run has ~250 a camera).
    const skip = Math.min(1000, Math.floor(p.events / CAMERAS / 2));
    const deep = (await (await fetch(`${ours.base}/api/v1/events?camera=cam3&limit=${skip}`)).json()) as EventPage;
    if (deep.nextCursor === null) throw new Error('the deep page needs more events a camera');
    const size = `${p.events.toLocaleString('en-US')} events`;
    const cases: Array<[string, string, Contender[]]> = [
      [`newest page of one camera, ${size}`, 'camera=cam3&limit=100', [ours, scan, memory]],
      [
        `yesterday's cars on one camera, ${size}`,
        `camera=cam3&label=car&after=${yesterday}&before=${yesterday + DAY_MS}&limit=100`,
        [ours, scan],
      ],
      [`persons in zone door, ${size}`, 'zone=door&label=person&limit=100', [ours, scan]],
      [`page after the first ${skip} of one camera (cursor), ${size}`, `camera=cam3&limit=100&cursor=${deep.nextCursor}`, [ours, scan]],
    ];
    const rows: EventsDbRow[] = [];
    for (const [name, query, contenders] of cases) {
      steps.begin(name);
      rows.push(...(await measureCase(name, query, contenders, p.trials)));
      steps.end();
    }
    const machine = machineFacts();
    const build = { ms: buildMs, eventsPerSecond: (p.events / buildMs) * 1000, databaseBytes };
    console.log(`events-db bench${options.quick ? ' (--quick: tiny sizes, numbers mean nothing)' : ''}`);
    console.log(`${machine.cpu}, ${machine.cores} cores, node ${machine.node}, commit ${machine.gitCommit ?? 'none'}`);
    console.log(
      `${size} written through the store in ${sig(buildMs / 1000)} s (${Math.round(build.eventsPerSecond)} events/s, batches of 10,000); ` +
        `database ${sig(databaseBytes / 1048576)} MiB; ${p.trials} trials\n`,
    );
    console.log(table(rows));
    console.log(`\n${NOTES.join('\n')}`);
    return { scenario: 'events-db', date: new Date().toISOString(), quick: options.quick, machine, plan: p, build, rows, notes: NOTES };
  } finally {
    for (const server of servers) server.close();
    for (const storage of storages) await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
