/**
 * Fanout bench (issue 5): WebSocket fan-out of detections to many subscribed clients on loopback, the
 * product's live feed (uWS pub/sub behind startHttpServer) against the `ws` package broadcasting the
 * same bytes, alternating trials after a warm-up trial; then MQTT publish throughput to a local
 * mosquitto, QoS 1 against QoS 0 and through Panoptes' on-disk outbox. Processes: this one
 * orchestrates; each server runs in its own child (fresh a trial, so its RSS is its own); the clients
 * run together in one more child, on neither server's event loop.
 */
import { createRequire } from 'node:module';
import { formatFanout, type FanoutReport, type ServerRow } from './fixtures/fanout-report.ts';
import { measureMqtt, type MqttPlan } from './fixtures/fanout-mqtt.ts';
import { SERVER_KINDS, type ServerKind } from './fixtures/fanout-protocol.ts';
import { runTrial, startClients, type LevelResult, type TrialPlan, type TrialResult } from './fixtures/fanout-trial.ts';
import { machineFacts } from './lib/report.ts';
import type { BenchOptions } from './lib/scenario.ts';
import { alternateBatches, summarise, type BatchImpl, type Summary } from './lib/trials.ts';

export type { FanoutReport } from './fixtures/fanout-report.ts';

/** Rates a √2 apart: each level offers 41% more than the last, so the max is known within that. */
const RAMP = [71, 100, 141, 200, 283, 400, 566, 800, 1131, 1600, 2263, 3200];

function plans(quick: boolean): { trial: TrialPlan; trials: number; warmup: number; mqtt: MqttPlan } {
  const budget = { p99BudgetMs: 100, minDelivered: 0.99, minOnSchedule: 0.97, drainMs: 2000 };
  if (quick) {
    return {
      trial: { clients: 20, fixedRate: 50, fixedMs: 500, warmupMs: 200, rampRates: RAMP.slice(0, 2), rampMs: 300, ...budget },
      trials: 1,
      warmup: 0,
      mqtt: { messages: 300, window: 64, trials: 1, warmup: 0 },
    };
  }
  return {
    trial: { clients: 1000, fixedRate: 50, fixedMs: 3000, warmupMs: 1000, rampRates: RAMP, rampMs: 2000, ...budget },
    trials: 5,
    warmup: 1,
    mqtt: { messages: 30_000, window: 64, trials: 7, warmup: 1 },
  };
}

const pick = (results: readonly TrialResult[], f: (r: TrialResult) => number): Summary => summarise(results.map(f), results.length);
const fixed = (results: readonly TrialResult[], f: (l: LevelResult) => number): Summary => pick(results, (r) => f(r.fixed));

/** One server's trials summarised (exported so a saved report can be summarised again). */
export function serverRow(server: ServerKind, results: readonly TrialResult[], clients: number): ServerRow {
  const atMax = (r: TrialResult): LevelResult | undefined => r.ramp.find((l) => l.offeredRate === r.maxSustainedRate);
  const failing = (r: TrialResult): LevelResult | undefined => r.ramp.find((l) => l.failures.length > 0);
  return {
    server,
    fixed: {
      deliveriesPerSecond: fixed(results, (l) => l.deliveriesPerSecond),
      deliveredShare: fixed(results, (l) => l.deliveredShare),
      p50Ms: fixed(results, (l) => l.p50Ms),
      p99Ms: fixed(results, (l) => l.p99Ms),
      serverCpuPercent: fixed(results, (l) => l.serverCpuPercent),
      serverCpuUsPerDelivery: fixed(results, (l) => l.serverCpuUsPerDelivery),
      clientCpuPercent: fixed(results, (l) => l.clientCpuPercent),
      clientCpuUsPerDelivery: fixed(results, (l) => l.clientCpuUsPerDelivery),
      failures: results.flatMap((r) => r.fixed.failures),
    },
    memory: {
      bytesPerClientConnected: pick(results, (r) => r.bytesPerClientConnected),
      bytesPerClientAfterTraffic: pick(results, (r) => r.bytesPerClientAfterTraffic),
    },
    ramp: {
      maxSustainedRate: pick(results, (r) => r.maxSustainedRate),
      maxDeliveriesPerSecond: pick(results, (r) => r.maxSustainedRate * clients),
      p99AtMaxMs: pick(results, (r) => atMax(r)?.p99Ms ?? 0),
      serverCpuPercentAtMax: pick(results, (r) => atMax(r)?.serverCpuPercent ?? 0),
      firstFailingRates: results.map((r) => r.firstFailingRate),
      failingLevels: results.map((r) => {
        const level = failing(r);
        if (!level) return null;
        const { offeredRate: rate, emitRate, failures: why, serverCpuPercent, clientCpuPercent } = level;
        return { rate, emitRate, why, serverCpuPercent, clientCpuPercent };
      }),
    },
  };
}

export async function measure(options: BenchOptions): Promise<FanoutReport> {
  const plan = plans(options.quick);
  const progress = options.progress;
  const wsRounds = (plan.trials + plan.warmup) * SERVER_KINDS.length;
  const total = wsRounds + (plan.mqtt.trials + plan.mqtt.warmup) * 3;
  let step = 0;
  const clients = startClients();
  let wsTrials: Map<string, TrialResult[]>;
  try {
    const impls: BatchImpl<TrialResult>[] = SERVER_KINDS.map((kind) => ({
      name: kind,
      trial: async () => {
        const result = await runTrial(kind, clients, plan.trial, (label) => progress?.step(step, total, label));
        step += 1;
        const f = result.fixed;
        progress?.note(
          `${kind}: ${f.deliveriesPerSecond.toFixed(0)} deliveries/s, p99 ${f.p99Ms.toFixed(1)} ms; max ${result.maxSustainedRate} msg/s`,
        );
        return result;
      },
    }));
    wsTrials = await alternateBatches(impls, plan.trials, plan.warmup);
  } finally {
    await clients.kill();
  }
  const mqtt = await measureMqtt(plan.mqtt, progress, step, total);
  const all = [...wsTrials.values()].flat();
  const require = createRequire(import.meta.url);
  return {
    scenario: 'fanout',
    date: new Date().toISOString(),
    quick: options.quick,
    machine: machineFacts({}),
    plan: { ...plan.trial, trials: plan.trials, warmup: plan.warmup },
    versions: {
      ws: (require('ws/package.json') as { version: string }).version,
      mqtt: (require('mqtt/package.json') as { version: string }).version,
    },
    messageBytes: all[0]?.messageBytes ?? 0,
    clockCorrectionUs: summarise(
      all.map((r) => r.clockCorrectionMs * 1e3),
      all.length,
    ),
    negativeLatencies: all.reduce((sum, r) => sum + r.fixed.negative + r.ramp.reduce((s, l) => s + l.negative, 0), 0),
    servers: SERVER_KINDS.map((kind) => serverRow(kind, wsTrials.get(kind) ?? [], plan.trial.clients)),
    trials: Object.fromEntries(wsTrials),
    mqtt,
  };
}

export async function run(options: BenchOptions): Promise<FanoutReport> {
  const report = await measure(options);
  console.log(formatFanout(report));
  return report;
}
