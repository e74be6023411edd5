/**
 * A client's filter and the uWS pub/sub topics it maps to. Every message is published to one topic of
 * each family (all, by camera, by label, by camera and label), and a filter subscribes a socket to
 * topics of exactly one family per kind, so a socket never receives a message twice even though uWS
 * topics have no wildcards. Cameras and labels narrow each other: `{cameras: [gate], labels:
 * [person]}` is people at the gate; `all` ignores both.
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

/** Labels are free text (`traffic light`, maybe with `/`): encoded so they cannot forge another topic. */
function label(value: string): string {
  return encodeURIComponent(value);
}

/** The topics of one message, most general first: all, camera, label, camera x label. */
export function messageTopics(kind: Kind, camera: string, labelName: string): [string, string, string, string] {
  return [kind, `${kind}/${camera}`, `${kind}/label/${label(labelName)}`, `${kind}/${camera}/label/${label(labelName)}`];
}

export function stateTopics(camera: string): [string, string] {
  return ['state', `state/${camera}`];
}

/** Every topic the filter subscribes to. */
export function filterTopics(filter: Filter): Set<string> {
  const kinds: Kind[] = filter.snapshots ? ['detections', 'events', 'snapshots'] : ['detections', 'events'];
  const topics = new Set<string>();
  if (filter.all) {
    for (const kind of kinds) topics.add(kind);
    topics.add('state');
    return topics;
  }
  const cameras = [...filter.cameras];
  const labels = [...filter.labels];
  for (const kind of kinds) {
    if (cameras.length > 0 && labels.length > 0) {
      for (const camera of cameras) for (const name of labels) topics.add(messageTopics(kind, camera, name)[3]);
    } else if (cameras.length > 0) {
      for (const camera of cameras) topics.add(messageTopics(kind, camera, '')[1]);
    } else {
      for (const name of labels) topics.add(messageTopics(kind, '', name)[2]);
    }
  }
  // State changes are per camera: those followed, or every camera when only labels are followed.
  if (cameras.length > 0) for (const camera of cameras) topics.add(stateTopics(camera)[1]);
  else if (labels.length > 0) topics.add('state');
  return topics;
}
