/**
 * What a `subscribe` may add to a client's filter: only cameras the site has and labels its detector can
 * produce, and at most MAX_FILTER_ENTRIES cameras and labels together. A subscribe that breaks a rule
 * changes nothing and is answered with an error naming the field, the names or the limit.
 */
import { RequestError } from '../../errors.ts';
import type { FilterChange } from './messages.ts';
import { filterEntries, type Filter } from './topics.ts';

/** Cameras and labels one client may follow together; a site with more cameras subscribes with `all`. */
export const MAX_FILTER_ENTRIES = 256;

export const FILTER_REJECTIONS = ['unknown_camera', 'unknown_label', 'limit'] as const;
export type FilterRejection = (typeof FILTER_REJECTIONS)[number];

export interface KnownNames {
  camera(id: string): boolean;
  label(name: string): boolean;
}

export interface Refusal {
  reasons: FilterRejection[];
  error: RequestError;
}

/** Unknown names listed in one reply; the rest are counted. */
const NAMED = 8;

/** Null when `change`, subscribed, keeps `filter` within the rules. */
export function checkSubscribe(filter: Filter, change: FilterChange, known: KnownNames, max = MAX_FILTER_ENTRIES): Refusal | null {
  // Names already held pass: a camera removed from the site since stays until unsubscribed.
  const newCameras = [...new Set(change.cameras ?? [])].filter((id) => !filter.cameras.has(id));
  const newLabels = [...new Set(change.labels ?? [])].filter((name) => !filter.labels.has(name));
  const unknownCameras = newCameras.filter((id) => !known.camera(id));
  const unknownLabels = newLabels.filter((name) => !known.label(name));
  if (unknownCameras.length > 0 || unknownLabels.length > 0) {
    const reasons: FilterRejection[] = [];
    const problems: string[] = [];
    if (unknownCameras.length > 0) {
      reasons.push('unknown_camera');
      problems.push(`cameras: no camera ${names(unknownCameras)} on this site; GET /api/v1/cameras lists them`);
    }
    if (unknownLabels.length > 0) {
      reasons.push('unknown_label');
      problems.push(`labels: the detector has no label ${names(unknownLabels)}; use its class names or motion`);
    }
    return {
      reasons,
      error: new RequestError('E_BAD_REQUEST', 'Subscribe names unknown cameras or labels; nothing was changed', problems),
    };
  }
  const total = filterEntries(filter) + newCameras.length + newLabels.length;
  if (total <= max) return null;
  return {
    reasons: ['limit'],
    error: new RequestError('E_BAD_REQUEST', `Subscribe would follow ${total} cameras and labels; nothing was changed`, [
      `cameras + labels: at most ${max} together per client (${filterEntries(filter)} held, ${total - filterEntries(filter)} new); unsubscribe some, or subscribe with all: true`,
    ]),
  };
}

function names(list: readonly string[]): string {
  const shown = list
    .slice(0, NAMED)
    .map((name) => `'${name}'`)
    .join(', ');
  return list.length > NAMED ? `${shown} and ${list.length - NAMED} more` : shown;
}
