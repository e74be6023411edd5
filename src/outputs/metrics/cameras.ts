/**
 * Camera families of the `/metrics` registry: frames through the ring and the channel worker, drops by
 * reason, lifecycle and circuit state, and the per-stage latency histograms.
 */
import type { Registry } from 'prom-client';
import { STAGE_NAMES } from '../../channel/stats.ts';
import { CAMERA_STATES } from '../../coordinator/camera-state.ts';
import type { CameraSample } from './sources.ts';
import { CIRCUIT_STATES, SnapshotHistogram, counterFamily, gaugeFamily, stateSetSamples, type Sample } from './families.ts';

export function registerCameraMetrics(registry: Registry, cameras: () => CameraSample[]): void {
  const perCamera = (value: (c: CameraSample) => number) => (): Array<Sample<'camera'>> =>
    cameras().map((c) => ({ labels: { camera: c.metrics.camera }, value: value(c) }));
  const labelNames = ['camera'] as const;

  counterFamily(
    { registry, name: 'panoptes_frames_received_total', help: 'Frames received from ffmpeg into the ring.', labelNames },
    perCamera((c) => c.metrics.framesIn),
  );
  counterFamily(
    { registry, name: 'panoptes_frames_analysed_total', help: 'Frames analysed by the channel worker (luma, motion).', labelNames },
    perCamera((c) => c.metrics.framesAnalysed),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_frames_dropped_total',
      labelNames: ['camera', 'reason'],
      help: 'Frames lost before analysis: ring_full (the worker fell behind; oldest unread frame overwritten), incomplete (ffmpeg exited mid-frame).',
    },
    () =>
      cameras().flatMap((c) =>
        Object.entries(c.metrics.drops).map(([reason, value]) => ({ labels: { camera: c.metrics.camera, reason }, value })),
      ),
  );
  counterFamily(
    { registry, name: 'panoptes_frame_errors_total', help: 'Frames the channel worker failed to analyse and skipped.', labelNames },
    perCamera((c) => c.metrics.errors),
  );
  counterFamily(
    { registry, name: 'panoptes_motion_candidates_total', help: 'Candidate regions sent on to inference.', labelNames },
    perCamera((c) => c.metrics.candidates),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_lighting_changes_total',
      help: 'Frames where most of the image changed at once (lighting, camera moved): not sent, motion background re-baselined.',
      labelNames,
    },
    perCamera((c) => c.metrics.lightingChanges),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_regions_skipped_total',
      help: 'Motion regions not sent because the frame already had regions.maxRegions.',
      labelNames,
    },
    perCamera((c) => c.metrics.regionsSkipped),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_full_frame_passes_total',
      help: 'Full-frame passes sent to the detector without motion (regions.fullFrameIntervalMs).',
      labelNames,
    },
    perCamera((c) => c.metrics.fullFramePasses),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_tracked_skips_total',
      help: 'Frames with motion not sent to the detector because the motion lay within tracked objects (regions.trackedIntervalMs).',
      labelNames,
    },
    perCamera((c) => c.metrics.trackedSkips),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_quiet_skips_total',
      help: 'Frames with motion not sent to the detector because the motion lay within areas the detector found empty less than regions.trackedIntervalMs before.',
      labelNames,
    },
    perCamera((c) => c.metrics.quietSkips),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_motion_resets_total',
      help: 'Motion backgrounds started again because the camera reconnected.',
      labelNames,
    },
    perCamera((c) => c.metrics.backgroundResets),
  );
  gaugeFamily(
    { registry, name: 'panoptes_motion_ratio', help: 'Share of pixels that changed in the last analysed frame.', labelNames },
    perCamera((c) => c.metrics.motionRatio),
  );
  gaugeFamily(
    { registry, name: 'panoptes_ring_occupancy_ratio', help: 'Share of the frame ring holding frames not yet analysed.', labelNames },
    perCamera((c) => (c.ringSlots > 0 ? c.metrics.ringOccupancy / c.ringSlots : 0)),
  );
  counterFamily(
    { registry, name: 'panoptes_camera_reconnects_total', help: 'Reconnect attempts after a failed or stalled stream.', labelNames },
    perCamera((c) => c.metrics.reconnects),
  );
  gaugeFamily(
    {
      registry,
      name: 'panoptes_camera_state',
      help: 'Camera lifecycle state: 1 for the current state, 0 for the others.',
      labelNames: ['camera', 'state'],
    },
    () => cameras().flatMap((c) => stateSetSamples({ camera: c.metrics.camera }, CAMERA_STATES, c.metrics.state)),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_camera_transitions_total',
      help: 'Lifecycle transitions into each state.',
      labelNames: ['camera', 'state'],
    },
    () =>
      cameras().flatMap((c) =>
        CAMERA_STATES.map((state) => ({ labels: { camera: c.metrics.camera, state }, value: c.transitionsInto.get(state) ?? 0 })),
      ),
  );
  gaugeFamily(
    {
      registry,
      name: 'panoptes_camera_circuit_state',
      help: 'Camera circuit breaker: 1 for the current state, 0 for the others.',
      labelNames: ['camera', 'state'],
    },
    () => cameras().flatMap((c) => stateSetSamples({ camera: c.metrics.camera }, CIRCUIT_STATES, c.circuit)),
  );
  new SnapshotHistogram(
    {
      registry,
      name: 'panoptes_stage_latency_seconds',
      labelNames: ['camera', 'stage'],
      help: 'Per-frame latency of each stage: capture_to_ring, ring_to_motion, motion_to_candidates, capture_to_motion (end to end).',
    },
    () =>
      cameras().flatMap((c) => STAGE_NAMES.map((stage) => ({ labels: { camera: c.metrics.camera, stage }, snapshot: c.latency[stage] }))),
  );
}
