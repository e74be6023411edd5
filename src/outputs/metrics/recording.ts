/**
 * Recording families of the `/metrics` registry: segments filed and on disk, recorder failures by
 * reason, every deletion by reason (not_kept, retention, disk_guard, incomplete), and the recordings
 * disk against the disk guard's limit.
 */
import type { Registry } from 'prom-client';
import { counterFamily, gaugeFamily } from './families.ts';
import type { RecordingSample } from './sources.ts';

export function registerRecordingMetrics(registry: Registry, read: () => RecordingSample | null): void {
  const cameras = () => read()?.cameras ?? [];
  counterFamily(
    { registry, name: 'panoptes_recording_segments_total', help: 'Segments the recorder finished and filed.', labelNames: ['camera'] },
    () => cameras().map((c) => ({ labels: { camera: c.camera }, value: c.segments })),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_recording_failures_total',
      help: 'Recorder failures by reason (write: a segment not written or closed; queue_full: packets dropped before a slow disk; move: a segment not filed; input, stall: a recorder of the main stream in its own process could not read it, or it stopped sending; each failed run is retried after a backoff).',
      labelNames: ['camera', 'reason'],
    },
    () => cameras().flatMap((c) => Object.entries(c.failures).map(([reason, value]) => ({ labels: { camera: c.camera, reason }, value }))),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_recording_segments_deleted_total',
      help: 'Segments deleted, by reason (not_kept: outside every event/motion window; retention; disk_guard; incomplete: never finished).',
      labelNames: ['camera', 'reason'],
    },
    () => (read()?.deleted ?? []).map((d) => ({ labels: { camera: d.camera, reason: d.reason }, value: d.segments })),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_recording_deleted_bytes_total',
      help: 'Bytes of the deleted segments, by reason.',
      labelNames: ['camera', 'reason'],
    },
    () => (read()?.deleted ?? []).map((d) => ({ labels: { camera: d.camera, reason: d.reason }, value: d.bytes })),
  );
  gaugeFamily({ registry, name: 'panoptes_recording_segments', help: 'Segments on disk now.', labelNames: ['camera'] }, () =>
    cameras().map((c) => ({ labels: { camera: c.camera }, value: c.onDisk })),
  );
  gaugeFamily({ registry, name: 'panoptes_recording_bytes', help: 'Bytes of the segments on disk now.', labelNames: ['camera'] }, () =>
    cameras().map((c) => ({ labels: { camera: c.camera }, value: c.bytesOnDisk })),
  );
  gaugeFamily(
    { registry, name: 'panoptes_recording_disk_free_bytes', help: 'Free space on the recordings disk at the last check.', labelNames: [] },
    () => {
      const disk = read()?.disk;
      return disk ? [{ labels: {}, value: disk.freeBytes }] : [];
    },
  );
  gaugeFamily(
    {
      registry,
      name: 'panoptes_recording_disk_limit_bytes',
      help: 'Free space the disk guard keeps (it deletes below it).',
      labelNames: [],
    },
    () => {
      const disk = read()?.disk;
      return disk ? [{ labels: {}, value: disk.limitBytes }] : [];
    },
  );
}
