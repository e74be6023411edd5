import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cameraChanges } from '../../src/config/camera-changes.ts';
import { parseConfig } from '../../src/config/load.ts';
import { analysisSettings, cameraSpec, MOTION_REGION_SIDE, rasterizeMask } from '../../src/config/to-runtime.ts';

function camerasOf(yaml: string): ReturnType<typeof parseConfig>['cameras'] {
  return parseConfig(yaml, { env: {} }).cameras;
}

const SITE = `
defaults: {ai: {fps: 4}}
cameras:
  - {id: gate, channel: 1, streams: {primary: 'rtsp://\${U}:\${P}@10.0.0.1/main', secondary: 'rtsp://\${U}:\${P}@10.0.0.1/sub'},
     transport: udp, ai: {fps: 4, width: 320, height: 180, format: gray, mode: hybrid, minFps: 2},
     lifecycle: {stallTimeoutMs: 4000, ringSlots: 8, backoff: {maxMs: 5000}}}
  - {id: dock, channel: 2, streams: {primary: 'rtsp://10.0.0.2/main'}}
  - {id: yard, channel: 3, streams: {primary: 'lavfi:testsrc2=size=320x240:rate=5'}, enabled: false}
`;

test('a camera maps to the CameraSpec the gateway takes, reading the sub-stream when there is one', () => {
  const [gate, dock] = camerasOf(SITE);
  assert.ok(gate && dock);
  assert.deepEqual(cameraSpec(gate), {
    id: 'gate',
    url: 'rtsp://${U}:${P}@10.0.0.1/sub',
    transport: 'udp',
    loop: false,
    width: 320,
    height: 180,
    fps: 4,
    format: 'gray',
    sampling: 'hybrid',
    minFps: 2,
    decodeThreads: 1,
    ioTimeoutMs: 5000,
    stallTimeoutMs: 4000,
    firstFrameTimeoutMs: 20_000,
    stableAfterMs: 30_000,
    udpFallbackAfter: 3,
    ringSlots: 8,
    backoff: { initialMs: 1000, factor: 2, maxMs: 5000, jitter: 0.1 },
    circuit: { failureThreshold: 5, openMs: 60_000, halfOpenMaxTrials: 3, successThreshold: 2 },
  });
  assert.equal(cameraSpec(dock).url, 'rtsp://10.0.0.2/main', 'without a sub-stream the main stream is analysed');
});

test("a camera maps to the analysis settings of its channel worker: motion on a 320-wide plane, regions the detector's size", () => {
  const [, dock] = camerasOf(SITE);
  assert.ok(dock);
  assert.deepEqual(analysisSettings(dock), {
    motion: {
      width: 320,
      height: 180,
      threshold: 25,
      minArea: 16,
      alpha: 0.2,
      foregroundAlpha: 0.02,
      learnFrames: 20,
      gridCols: 8,
      gridRows: 8,
      maxBoxes: 32,
      exclude: null,
    },
    regions: {
      padding: 0.15,
      minSide: MOTION_REGION_SIDE,
      maxRegions: 4,
      fullFrameIntervalMs: 0,
      stillFullFrameIntervalMs: 60_000,
      trackedIntervalMs: 0,
    },
    lightingRatio: 0.6,
  });
  const withModel = analysisSettings(dock, { width: 416, height: 416 }).regions;
  assert.equal(withModel.minSide, 416, "the backend's input size");
  assert.equal(
    withModel.fullFrameIntervalMs,
    10_000,
    'a backend that reads pixels gets the full-frame pass; the motion backend has nothing to find in a still frame',
  );
  assert.equal(withModel.trackedIntervalMs, 600, 'a detector that tracks objects gets the track gate; motion blobs do not');
});

test("the motion plane keeps the frame's aspect, never exceeds the frame, and an explicit size larger than the frame is refused", () => {
  const [fourThree, small, explicit] = camerasOf(`
cameras:
  - {id: a, channel: 1, streams: {primary: a.mp4}, ai: {width: 640, height: 480}}
  - {id: b, channel: 2, streams: {primary: a.mp4}, ai: {width: 160, height: 90}}
  - {id: c, channel: 3, streams: {primary: a.mp4}, motion: {width: 480, height: 200}, regions: {minSide: 300}}
`);
  assert.deepEqual([analysisSettings(fourThree!).motion.width, analysisSettings(fourThree!).motion.height], [320, 240]);
  assert.deepEqual([analysisSettings(small!).motion.width, analysisSettings(small!).motion.height], [160, 90]);
  assert.deepEqual([analysisSettings(explicit!).motion.width, analysisSettings(explicit!).motion.height], [480, 200]);
  assert.equal(analysisSettings(explicit!, { width: 416, height: 416 }).regions.minSide, 300, 'an explicit minSide wins');
  assert.throws(
    () => camerasOf('cameras: [{id: a, channel: 1, streams: {primary: a.mp4}, ai: {width: 640, height: 360}, motion: {width: 800}}]'),
    /cameras\[0\]\.motion\.width: motion\.width 800 is larger than ai\.width 640/,
  );
  assert.throws(
    () => camerasOf('cameras: [{id: a, channel: 1, streams: {primary: a.mp4}, ai: {width: 640, height: 360}, motion: {height: 400}}]'),
    /cameras\[0\]\.motion\.height: motion\.height 400 is larger than ai\.height 360/,
  );
});

test('motion exclusion polygons become a mask of the analysis size', () => {
  const [camera] = camerasOf(
    'cameras: [{id: a, channel: 1, streams: {primary: a.mp4}, ai: {width: 32, height: 16}, motion: {exclude: [[[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]]}}]',
  );
  assert.ok(camera);
  const mask = analysisSettings(camera).motion.exclude;
  assert.ok(mask);
  assert.equal(mask.length, 32 * 16);
  const masked = [...mask.keys()].filter((i) => mask[i] === 1).map((i) => [i % 32, Math.floor(i / 32)]);
  assert.equal(masked.length, 16 * 8, 'the top-left quarter');
  assert.ok(masked.every(([x, y]) => (x as number) < 16 && (y as number) < 8));
});

test('overlapping exclusion polygons mark each pixel once', () => {
  const square = [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ] as Array<[number, number]>;
  const mask = rasterizeMask([square, square], 4, 4);
  assert.deepEqual([...(mask ?? [])], new Array<number>(16).fill(1));
  assert.equal(rasterizeMask([], 4, 4), null);
});

test('the camera diff finds added, removed and changed cameras and leaves the rest alone', () => {
  const before = camerasOf(SITE);
  const after = camerasOf(
    SITE.replace('{id: dock, channel: 2', '{id: dock, channel: 2, motion: {threshold: 40}').replace(
      / {2}- \{id: yard.*\n/,
      '  - {id: lobby, channel: 4, streams: {primary: a.mp4}}\n',
    ),
  );
  const changes = cameraChanges(before, after);
  assert.deepEqual(
    changes.added.map((c) => c.id),
    ['lobby'],
  );
  assert.deepEqual(changes.removed, ['yard']);
  assert.deepEqual(
    changes.changed.map((c) => c.id),
    ['dock'],
  );
  assert.equal(changes.changed[0]?.motion.threshold, 40, 'changed holds the new entry');
  assert.deepEqual(changes.unchanged, ['gate']);
});

test('enabling a camera or changing a default it inherits counts as a change; reordering does not', () => {
  const before = camerasOf(SITE);
  assert.deepEqual(
    cameraChanges(before, camerasOf(SITE.replace('enabled: false', 'enabled: true'))).changed.map((c) => c.id),
    ['yard'],
  );
  assert.deepEqual(
    cameraChanges(before, camerasOf(SITE.replace('fps: 4', 'fps: 6'))).changed.map((c) => c.id),
    ['dock', 'yard'],
    'gate sets its own fps',
  );
  const reordered = [...before].reverse();
  assert.deepEqual(cameraChanges(before, reordered), { added: [], removed: [], changed: [], unchanged: ['yard', 'dock', 'gate'] });
});
