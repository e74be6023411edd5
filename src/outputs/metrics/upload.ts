/**
 * Upload families of the `/metrics` registry (storage.upload): files sent and their bytes, tries that
 * failed and were scheduled again, how uploads were verified, uploads given up, and the queue's depth by state.
 */
import type { Registry } from 'prom-client';
import { counterFamily, gaugeFamily } from './families.ts';
import type { UploadSample } from './sources.ts';

export function registerUploadMetrics(registry: Registry, read: () => UploadSample | null): void {
  const perKind = (pick: (s: UploadSample) => Readonly<Record<string, number>>) => () => {
    const sample = read();
    return sample ? Object.entries(pick(sample)).map(([kind, value]) => ({ labels: { kind }, value })) : [];
  };
  counterFamily(
    {
      registry,
      name: 'panoptes_upload_uploaded_total',
      help: 'Files uploaded and verified, by kind (snapshot, frame, clip).',
      labelNames: ['kind'],
    },
    perKind((s) => s.uploaded),
  );
  counterFamily(
    { registry, name: 'panoptes_upload_uploaded_bytes_total', help: 'Bytes of the files uploaded, by kind.', labelNames: ['kind'] },
    perKind((s) => s.bytes),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_upload_retries_total',
      help: 'Upload tries that failed and were scheduled again after a backoff, by kind.',
      labelNames: ['kind'],
    },
    perKind((s) => s.retries),
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_upload_verified_total',
      help: 'Files uploaded by how their SHA-256 was shown to be the stored bytes (sha256-response: answered with the PUT; sha256-head: asked of the server; sha256-read-back: the object read back and hashed).',
      labelNames: ['method'],
    },
    () => {
      const verified = read()?.verified;
      return verified ? Object.entries(verified).map(([method, value]) => ({ labels: { method }, value })) : [];
    },
  );
  counterFamily(
    {
      registry,
      name: 'panoptes_upload_failed_total',
      help: 'Uploads given up (a permanent error, or storage.upload.retry.maxAttempts reached), by kind.',
      labelNames: ['kind'],
    },
    perKind((s) => s.failed),
  );
  gaugeFamily(
    {
      registry,
      name: 'panoptes_upload_queue_depth',
      help: 'Uploads in the queue by state (pending: waiting for a try or a clip; uploading; failed: given up, kept for the API).',
      labelNames: ['state'],
    },
    () => {
      const queue = read()?.queue;
      return queue ? Object.entries(queue).map(([state, value]) => ({ labels: { state }, value })) : [];
    },
  );
}
