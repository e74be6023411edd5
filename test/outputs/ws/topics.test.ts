import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyChange,
  emptyFilter,
  filterTopics,
  filtersLabels,
  labelMatches,
  messageTopics,
  stateTopics,
  type Filter,
  type Kind,
} from '../../../src/outputs/ws/topics.ts';

const CAMERAS = ['gate', 'yard', 'dock'];
const LABELS = ['person', 'car', 'traffic light', 'a/label/b'];

/** Every combination of all / a subset of cameras / a subset of labels / snapshots. */
function filters(): Filter[] {
  const subsets = <T>(items: T[]): T[][] => {
    const all: T[][] = [[]];
    for (const item of items) for (const s of all.slice()) all.push([...s, item]);
    return all;
  };
  const out: Filter[] = [];
  for (const all of [false, true]) {
    for (const cameras of subsets(CAMERAS.slice(0, 2))) {
      for (const labels of subsets(LABELS)) {
        for (const snapshots of [false, true]) out.push({ all, cameras: new Set(cameras), labels: new Set(labels), snapshots });
      }
    }
  }
  return out;
}

function matches(filter: Filter, camera: string, label: string | null): boolean {
  if (filter.all) return true;
  if (filter.cameras.size === 0 && filter.labels.size === 0) return false;
  const cameraOk = filter.cameras.size === 0 || filter.cameras.has(camera);
  const labelOk = label === null ? filter.cameras.size > 0 || filter.labels.size > 0 : filter.labels.size === 0 || filter.labels.has(label);
  return cameraOk && labelOk;
}

/** The direct route of a label filter: the feed's index by camera, then the label check. */
function direct(filter: Filter, kind: Kind | 'state', camera: string, label: string | null): boolean {
  return filtersLabels(filter) && (filter.cameras.size === 0 || filter.cameras.has(camera)) && labelMatches(filter, kind, label);
}

test('every message reaches a filter exactly once, through a topic or the direct route, when the filter matches it, and never otherwise', () => {
  const checked = filters();
  assert.equal(checked.length, 2 * 4 * 16 * 2);
  for (const filter of checked) {
    const topics = filterTopics(filter);
    for (const camera of CAMERAS) {
      for (const label of LABELS) {
        for (const kind of ['detections', 'events', 'snapshots'] as Kind[]) {
          const hits =
            messageTopics(kind, camera).filter((topic) => topics.has(topic)).length + Number(direct(filter, kind, camera, label));
          const want = matches(filter, camera, label) && (kind !== 'snapshots' || filter.snapshots) ? 1 : 0;
          assert.equal(
            hits,
            want,
            `${kind} ${camera}/${label} for ${JSON.stringify({ ...filter, cameras: [...filter.cameras], labels: [...filter.labels] })}`,
          );
        }
      }
      const stateHits = stateTopics(camera).filter((topic) => topics.has(topic)).length + Number(direct(filter, 'state', camera, null));
      assert.equal(stateHits, matches(filter, camera, null) ? 1 : 0);
    }
  }
});

test('a filter costs topics linear in its cameras and none for its labels, never one per camera x label', () => {
  const cameras = Array.from({ length: 64 }, (_, i) => `cam${i}`);
  const labels = Array.from({ length: 64 }, (_, i) => `label${i}`);
  assert.equal(filterTopics({ all: false, cameras: new Set(cameras), labels: new Set(), snapshots: true }).size, 64 * 4);
  assert.equal(filterTopics({ all: false, cameras: new Set(cameras), labels: new Set(labels), snapshots: true }).size, 0);
  assert.equal(filterTopics({ all: true, cameras: new Set(cameras), labels: new Set(labels), snapshots: true }).size, 4);
});

test('unsubscribe removes cameras and labels, and all: true clears the whole filter', () => {
  const filter = emptyFilter();
  applyChange(filter, { cameras: ['gate', 'yard'], labels: ['car'], snapshots: true }, true);
  applyChange(filter, { cameras: ['yard'] }, false);
  assert.deepEqual(
    { ...filter, cameras: [...filter.cameras], labels: [...filter.labels] },
    { all: false, cameras: ['gate'], labels: ['car'], snapshots: true },
  );
  applyChange(filter, { snapshots: true }, false);
  assert.equal(filter.snapshots, false);
  applyChange(filter, { all: true }, false);
  assert.deepEqual(filter, emptyFilter());
});
