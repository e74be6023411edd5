/**
 * Prometheus metric families whose values are read from the gateway's own counters at scrape time.
 * The gateway already counts everything (shared stats blocks, ring and slab control words, pool
 * measurements), so nothing is observed twice: a scrape copies totals into prom-client, and a camera
 * that went away simply stops appearing because every family is rebuilt from scratch on each scrape.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_MS, type HistogramSnapshot } from '../../stats/latency-histogram.ts';
import type { CircuitState } from '../../resilience/circuit-breaker.ts';

export interface Sample<L extends string> {
  labels: Record<L, string>;
  value: number;
}

interface FamilySpec<L extends string> {
  registry: Registry;
  name: string;
  help: string;
  labelNames: readonly L[];
}

/**
 * Empties a family before it is refilled. reset() leaves a 0 series on a family without labels, but an
 * absent source (no MQTT configured) must export no series rather than a 0 that reads as "disconnected".
 */
function clear<L extends string>(metric: Counter<L> | Gauge<L>, spec: FamilySpec<L>): void {
  metric.reset();
  if (spec.labelNames.length === 0) metric.remove({});
}

/** A counter holding the source's running totals (reset and refilled on each scrape). */
export function counterFamily<L extends string>(spec: FamilySpec<L>, read: () => Iterable<Sample<L>>): Counter<L> {
  return new Counter<L>({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames,
    registers: [spec.registry],
    collect() {
      clear(this, spec);
      // Totals are copied, not added up here: the sources keep them for the life of the process (a
      // restarted camera carries what it counted before), so a series never falls while it exists.
      for (const s of read()) this.inc(s.labels, s.value);
    },
  });
}

export function gaugeFamily<L extends string>(spec: FamilySpec<L>, read: () => Iterable<Sample<L>>): Gauge<L> {
  return new Gauge<L>({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames,
    registers: [spec.registry],
    collect() {
      clear(this, spec);
      for (const s of read()) this.set(s.labels, s.value);
    },
  });
}

/** The circuit breaker's states (camera and inference), in the order their StateSets list them. */
export const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];

/** Samples of a StateSet: one series a possible state, 1 for the current one and 0 for the others. */
export function stateSetSamples<L extends string>(
  labels: Record<Exclude<L, 'state'>, string>,
  states: readonly string[],
  current: string,
): Array<Sample<L>> {
  return states.map((state) => ({ labels: { ...labels, state } as Record<L, string>, value: state === current ? 1 : 0 }));
}

export interface HistogramSample<L extends string> {
  labels: Record<L, string>;
  /** Millisecond latencies on LATENCY_BUCKETS_MS, as the channel stats and the pool keep them. */
  snapshot: HistogramSnapshot;
}

const BUCKET_SECONDS = LATENCY_BUCKETS_MS.map((ms) => ms / 1000);

type HistogramValues<L extends string> = Awaited<ReturnType<Histogram<L>['get']>>;

/**
 * A histogram exported from millisecond bucket counts the gateway already keeps, converted to seconds
 * (same bounds, so nothing is re-binned). prom-client's Histogram has no way to load bucket counts, so
 * this one replaces the value export and never holds observations of its own.
 */
export class SnapshotHistogram<L extends string> extends Histogram<L> {
  /**
   * An unregistered, always-empty twin that supplies the family header (name, help, type, aggregator):
   * prom-client's typings declare `type` as a numeric enum that does not exist at run time, so the
   * header is taken from prom-client itself rather than spelled out here.
   */
  readonly #header: Histogram<L>;
  readonly #name: string;
  readonly #read: () => Iterable<HistogramSample<L>>;

  constructor(spec: FamilySpec<L>, read: () => Iterable<HistogramSample<L>>) {
    const config = { name: spec.name, help: spec.help, labelNames: spec.labelNames, buckets: BUCKET_SECONDS };
    super({ ...config, registers: [spec.registry] });
    this.#header = new Histogram<L>({ ...config, registers: [] });
    this.#name = spec.name;
    this.#read = read;
  }

  override async get(): Promise<HistogramValues<L>> {
    return this.getForPromString();
  }

  /** What the Registry calls when it writes the text format (prom-client looks this method up by name). */
  async getForPromString(): Promise<HistogramValues<L>> {
    const values: HistogramValues<string>['values'] = [];
    for (const { labels, snapshot } of this.#read()) {
      let cumulative = 0;
      snapshot.buckets.forEach((n, i) => {
        cumulative += n;
        const le = BUCKET_SECONDS[i] ?? '+Inf';
        values.push({ metricName: `${this.#name}_bucket`, labels: { ...labels, le }, value: cumulative });
      });
      // The worker may add an observation between reading the buckets and the count (the block is read
      // without a lock), so the count is the bucket total: _count always equals the +Inf bucket.
      values.push({ metricName: `${this.#name}_sum`, labels, value: snapshot.sum / 1000 });
      values.push({ metricName: `${this.#name}_count`, labels, value: cumulative });
    }
    // Sources are read before the first await so that every family of a scrape sees the same reading.
    const header = await this.#header.get();
    return { ...header, values };
  }
}
