/** The labels a site's detections and events can carry, for clients that filter by label (the live feed). */
import type { SiteConfig } from '../config/schema.ts';
import { loadLabels } from '../inference/labels.ts';

/** The detector's class names plus `motion`: the motion backend's label, and the fallback's while inference is degraded. */
export async function siteLabels(backend: SiteConfig['inference']['backend']): Promise<ReadonlySet<string>> {
  const names = backend.type === 'onnx' ? await loadLabels(backend.labelsPath) : [];
  return new Set([...names, 'motion']);
}
