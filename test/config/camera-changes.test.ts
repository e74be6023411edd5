import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cameraChangeKind, cameraChanges } from '../../src/config/camera-changes.ts';
import { cameraSchema, type CameraConfigInput } from '../../src/config/camera-schema.ts';

const base: CameraConfigInput = { id: 'gate', channel: 1, streams: { primary: 'rtsp://10.0.0.1/main', secondary: 'rtsp://10.0.0.1/sub' } };
const camera = (changes: Partial<CameraConfigInput> = {}) => cameraSchema.parse({ ...base, ...changes });
const kindOf = (changes: Partial<CameraConfigInput>) => cameraChangeKind(camera(), camera(changes));

test('changes to what ffmpeg or the ring is made from, or to enabled, restart the camera', () => {
  for (const changes of [
    { streams: { primary: 'rtsp://10.0.0.1/main', secondary: 'rtsp://10.0.0.1/other' } },
    { transport: 'udp' as const },
    { loop: true },
    { ai: { fps: 2 } },
    { ai: { width: 320 } },
    { ai: { format: 'gray' as const } },
    { ai: { mode: 'keyframe_only' as const } },
    { lifecycle: { stallTimeoutMs: 20_000 } },
    { lifecycle: { ringSlots: 8 } },
    { enabled: false },
  ])
    assert.equal(kindOf(changes), 'ingest', JSON.stringify(changes));
});

test('motion, regions, sampling and event rules are analysis changes that keep ffmpeg running', () => {
  for (const changes of [
    { motion: { threshold: 40 } },
    {
      motion: {
        exclude: [
          [
            [0, 0],
            [1, 0],
            [1, 0.2],
          ],
        ] as Array<Array<[number, number]>>,
      },
    },
    { regions: { maxRegions: 2 } },
    { sampling: { strategy: 'adaptive' as const } },
    { labels: ['person'] },
    {
      zones: {
        lane: {
          points: [
            [0, 0],
            [1, 0],
            [1, 1],
          ] as Array<[number, number]>,
        },
      },
    },
    { objects: { person: { minScore: 0.8 } } },
    { rateLimit: null },
  ])
    assert.equal(kindOf(changes), 'analysis', JSON.stringify(changes));
});

test('names, channels, tags, alerts and a main stream analysis does not read are only stored', () => {
  for (const changes of [
    { name: 'Main gate' },
    { channel: 7 },
    { tags: ['perimeter'] },
    { alerts: { critical: true } },
    { streams: { primary: 'rtsp://10.0.0.2/main', secondary: 'rtsp://10.0.0.1/sub' } },
  ])
    assert.equal(kindOf(changes), 'metadata', JSON.stringify(changes));
});

test('a main stream change restarts a camera that has no sub-stream, since analysis reads the main one', () => {
  const before = cameraSchema.parse({ id: 'gate', channel: 1, streams: { primary: 'rtsp://10.0.0.1/main' } });
  const after = cameraSchema.parse({ id: 'gate', channel: 1, streams: { primary: 'rtsp://10.0.0.2/main' } });
  assert.equal(cameraChangeKind(before, after), 'ingest');
});

test('cameras are matched by id into added, removed, changed and unchanged', () => {
  const changes = cameraChanges(
    [camera(), camera({ id: 'dock', channel: 2 })],
    [camera({ tags: ['x'] }), camera({ id: 'yard', channel: 3 })],
  );
  assert.deepEqual(
    changes.added.map((c) => c.id),
    ['yard'],
  );
  assert.deepEqual(changes.removed, ['dock']);
  assert.deepEqual(
    changes.changed.map((c) => c.id),
    ['gate'],
  );
  assert.deepEqual(changes.unchanged, []);
});

test('recording settings, and the main stream a recording camera records, restart the camera: the recorder is an output of its ffmpeg', () => {
  assert.equal(kindOf({ recording: { mode: 'events' } }), 'ingest');
  const recording = { recording: { mode: 'continuous' as const } };
  const before = camera(recording);
  assert.equal(cameraChangeKind(before, camera({ ...recording, recording: { mode: 'continuous', segmentSeconds: 4 } })), 'ingest');
  const otherMain = camera({ ...recording, streams: { primary: 'rtsp://10.0.0.1/main2', secondary: 'rtsp://10.0.0.1/sub' } });
  assert.equal(cameraChangeKind(before, otherMain), 'ingest');
});
