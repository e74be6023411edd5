/**
 * What the site bench reads from the gateway's Prometheus text (bench/fixtures/site-metrics.ts): sums
 * over cameras, the cameras that are analysing, and a latency family merged over cameras back into
 * per-bucket counts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSiteMetrics } from '../../bench/fixtures/site-metrics.ts';

const BUCKETS = ['0.0005', '0.001', '0.002', '0.005', '0.01', '0.02', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];

/** capture_to_motion of one camera: `perBucket` observations in each bucket, in order. */
function stage(camera: string, perBucket: number[]): string[] {
  let cumulative = 0;
  const lines = BUCKETS.map((le, i) => {
    cumulative += perBucket[i] ?? 0;
    return `panoptes_stage_latency_seconds_bucket{camera="${camera}",stage="capture_to_motion",le="${le}"} ${cumulative}`;
  });
  lines.push(`panoptes_stage_latency_seconds_bucket{camera="${camera}",stage="capture_to_ring",le="+Inf"} 999`);
  lines.push(`panoptes_stage_latency_seconds_sum{camera="${camera}",stage="capture_to_motion"} 0.25`);
  return lines;
}

const TEXT = [
  '# HELP panoptes_frames_analysed_total Frames analysed by the channel worker (luma, motion).',
  '# TYPE panoptes_frames_analysed_total counter',
  'panoptes_frames_received_total{camera="a"} 12',
  'panoptes_frames_received_total{camera="b"} 3',
  'panoptes_frames_analysed_total{camera="a"} 10',
  'panoptes_frames_analysed_total{camera="b"} 2',
  'panoptes_frames_dropped_total{camera="a",reason="ring_full"} 1',
  'panoptes_frames_dropped_total{camera="b",reason="incomplete"} 1',
  'panoptes_camera_state{camera="a",state="ONLINE"} 1',
  'panoptes_camera_state{camera="b",state="ONLINE"} 0',
  'panoptes_camera_state{camera="b",state="CONNECTING"} 1',
  ...stage('a', [0, 0, 4, 4]),
  ...stage('b', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]),
  'nodejs_eventloop_lag_p99_seconds 0.0125',
  'nodejs_heap_size_used_bytes 52428800',
  'nodejs_external_memory_bytes 1048576',
].join('\n');

test('the site metrics are summed over cameras, and only ONLINE cameras with analysed frames count as analysing', () => {
  const m = readSiteMetrics(TEXT);
  assert.deepEqual([m.received, m.analysed, m.dropped, m.analysing], [15, 12, 2, 1]);
  assert.equal(m.eventLoopP99Ms, 12.5);
  assert.deepEqual([m.heapUsedBytes, m.externalBytes], [50 * 1024 * 1024, 1024 * 1024]);
});

test('a latency family is merged over cameras into per-bucket counts, other stages left out', () => {
  const { motion, result } = readSiteMetrics(TEXT);
  assert.deepEqual(motion.buckets, [0, 0, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
  assert.equal(motion.count, 10);
  assert.equal(motion.sum, 500);
  assert.equal(result.count, 0);
});
