/**
 * A client's filter and how the feed reaches it. Cameras and labels narrow each other: `{cameras: [gate],
 * labels: [person]}` is people at the gate; `all` ignores both.
 *
 * Two routes, so that no filter costs more than what it names: a filter without labels (`all`, or some
 * cameras) maps to uWS pub/sub topics, one per kind for `all` and one per kind and camera otherwise,
 * and uWS serialises each message once for all its subscribers; a filter with labels gets no topics
 * and is served by the feed itself (labelled-routes.ts), which checks its label set per message. No
 * topic ever stands for a camera x label combination, and every message is published to exactly one
 * topic of each family, so a socket receives it at most once.
 */
import type { FilterChange } from './messages.ts';

export type Kind = 'detections' | 'events' | 'snapshots';

export interface Filter {
  all: boolean;
  cameras: Set<string>;
  labels: Set<string>;
  snapshots: boolean;
}

export function emptyFilter(): Filter {
  return { all: false, cameras: new Set(), labels: new Set(), snapshots: false };
}

/** Cameras and labels held: what the per-client cap counts. */
export function filterEntries(filter: Filter): number {
  return filter.cameras.size + filter.labels.size;
}

/** `subscribe` adds; `unsubscribe` removes, and `all: true` there clears the whole filter. */
export function applyChange(filter: Filter, change: FilterChange, subscribe: boolean): void {
  if (!subscribe && change.all === true) {
    Object.assign(filter, emptyFilter());
    return;
  }
  if (subscribe && change.all !== undefined) filter.all = change.all;
  for (const camera of change.cameras ?? []) {
    if (subscribe) filter.cameras.add(camera);
    else filter.cameras.delete(camera);
  }
  for (const name of change.labels ?? []) {
    if (subscribe) filter.labels.add(name);
    else filter.labels.delete(name);
  }
  if (change.snapshots !== undefined) filter.snapshots = subscribe ? change.snapshots : filter.snapshots && !change.snapshots;
}

/** True when the feed serves the filter itself (it names labels), false when uWS topics do. */
export function filtersLabels(filter: Filter): boolean {
  return !filter.all && filter.labels.size > 0;
}

/** Whether a message of `kind` with `label` passes a filter that names labels (its cameras are checked by the caller). */
export function labelMatches(filter: Filter, kind: Kind | 'state', label: string | null): boolean {
  if (kind === 'snapshots' && !filter.snapshots) return false;
  return label === null || filter.labels.has(label);
}

/** The topics of one message: all, then its camera. */
export function messageTopics(kind: Kind, camera: string): [string, string] {
  return [kind, `${kind}/${camera}`];
}

export function stateTopics(camera: string): [string, string] {
  return ['state', `state/${camera}`];
}

/** The uWS topics a filter subscribes to: none when it names labels (served directly), else linear in its cameras. */
export function filterTopics(filter: Filter): Set<string> {
  const topics = new Set<string>();
  if (filtersLabels(filter)) return topics;
  const kinds: Kind[] = filter.snapshots ? ['detections', 'events', 'snapshots'] : ['detections', 'events'];
  if (filter.all) {
    for (const kind of kinds) topics.add(kind);
    topics.add('state');
    return topics;
  }
  for (const camera of filter.cameras) {
    for (const kind of kinds) topics.add(messageTopics(kind, camera)[1]);
    topics.add(stateTopics(camera)[1]);
  }
  return topics;
}
