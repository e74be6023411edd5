import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { demoScenes } from '../../src/cli/demo-scenes.ts';
import { SCENES } from '../../src/scenes/catalogue.ts';
import { SPRITES } from '../../src/scenes/sprites.ts';
import { ConfigError } from '../../src/errors.ts';
import { loadConfig, parseConfig } from '../../src/config/load.ts';

const EXAMPLE_ENV = { API_TOKEN: 'token-1', MQTT_PASSWORD: 'mqtt-pw' };
const exampleFile = (name: string): string => new URL(`../../config/${name}`, import.meta.url).pathname;

/** The problem lines of the ConfigError `text` throws (fails the test when it parses). */
function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parseConfig(text, { env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'E_CONFIG_INVALID');
    return err.problems;
  }
  assert.fail('the config was accepted');
}

/** One camera around `fields` (YAML flow mapping entries). */
function camera(fields = '', id = 'gate', channel = 1): string {
  return `{id: ${id}, channel: ${channel}, streams: {primary: 'rtsp://10.0.0.1/main'}${fields ? `, ${fields}` : ''}}`;
}

test('the 8-channel site example validates, with its defaults merged under every camera', async () => {
  const config = await loadConfig(exampleFile('site-example.yaml'), { env: EXAMPLE_ENV });
  assert.equal(config.cameras.length, 8);
  assert.deepEqual(
    config.cameras.filter((c) => !c.enabled).map((c) => c.id),
    ['warehouse-aisle-b', 'yard-overview'],
  );
  assert.equal(config.inference.backend.type, 'onnx');
  const gate = config.cameras[0];
  assert.ok(gate);
  assert.equal(gate.ai.fps, 5, 'from defaults');
  assert.deepEqual(gate.objects['person'], { minScore: 0.55, minArea: 0.001 }, 'a default label rule the camera does not touch');
  assert.deepEqual(gate.objects['car'], { minScore: 0.5, requiredZones: ['entry-lane'] }, 'the camera adds its own label rules');
  assert.deepEqual(gate.tags, ['site-north', 'gate', 'entry'], 'a list replaces the default list');
  const perimeter = config.cameras.find((c) => c.id === 'perimeter-east');
  assert.deepEqual(
    perimeter?.sampling,
    { strategy: 'adaptive', minMotionRatio: 0, minFps: 0.5, maxFps: 4, rise: 2, halfLifeMs: 10_000 },
    'a sampling strategy other than the default replaces the default instead of merging its fields',
  );
  assert.equal(perimeter?.ai.mode, 'hybrid');
});

test('the demo config validates: four looping real-photo scene clips recorded in events mode, the shipped NanoDet backend and the embedded broker', async () => {
  const config = await loadConfig(exampleFile('demo.yaml'), { env: {} });
  assert.deepEqual(
    config.cameras.map((c) => c.id),
    ['plaza', 'entrance', 'lobby', 'doorway'],
  );
  assert.deepEqual(demoScenes(config), ['crossing', 'pair', 'stop', 'face'], 'every camera plays a scene of the catalogue');
  assert.ok(config.cameras.every((c) => c.loop && c.enabled));
  assert.ok(config.cameras.every((c) => c.recording.mode === 'events'));
  assert.equal(config.inference.backend.type, 'nanodet', 'the shipped detector labels the people');
  assert.equal(config.mqtt.url, null);
  // Vehicles pass end to end: the backend's default classes keep them and no camera narrows `labels`.
  const classes = 'classes' in config.inference.backend ? config.inference.backend.classes : [];
  for (const vehicle of ['bicycle', 'car', 'motorcycle', 'bus', 'truck']) assert.ok(classes.includes(vehicle), `${vehicle} in ${classes}`);
  assert.ok(config.cameras.every((c) => c.labels === undefined));
  // `npm start` runs without the OpenCV media of the vehicle scenes (build/media/opencv-doc).
  for (const name of demoScenes(config)) {
    const spec = SCENES[name];
    assert.notEqual(spec.background, 'road', name);
    assert.ok(
      spec.actors.every((a) => SPRITES[a.sprite].source === 'human'),
      name,
    );
  }
});

test('an empty file is a valid config with every default and no cameras', () => {
  const config = parseConfig('', { env: {} });
  assert.deepEqual(config.cameras, []);
  assert.equal(config.http.port, 8080);
  assert.equal(config.http.host, '127.0.0.1');
  assert.equal(config.gateway.workers, 'auto');
  assert.deepEqual(
    config.inference.backend,
    {
      type: 'nanodet',
      precision: 'int8',
      classes: ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'bear'],
      scoreThreshold: 0.4,
      iouThreshold: 0.5,
      maxDetections: 100,
      channelOrder: 'bgr',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      executionProviders: ['cpu'],
      maxBatch: 4,
      threads: 1,
    },
    'the shipped detector, with no modelPath and no inputSize: the converted NanoDet-m at its default 256, in int8',
  );
});

test('a camera gets the issue 3 lifecycle defaults when it sets none', () => {
  const [gate] = parseConfig(`cameras: [${camera()}]`, { env: {} }).cameras;
  assert.deepEqual(gate?.lifecycle, {
    ioTimeoutMs: 5000,
    stallTimeoutMs: 10_000,
    firstFrameTimeoutMs: 20_000,
    stableAfterMs: 30_000,
    udpFallbackAfter: 3,
    ringSlots: 4,
    backoff: { initialMs: 1000, factor: 2, maxMs: 30_000, jitter: 0.1 },
    circuit: { failureThreshold: 5, openMs: 60_000, halfOpenMaxTrials: 3, successThreshold: 2 },
  });
  assert.equal(gate?.transport, 'tcp');
});

test('a negative fps names the camera and field', () => {
  const cameras = [camera('', 'a', 1), camera('', 'b', 2), camera('', 'c', 3), camera('ai: {fps: -5}', 'd', 4)];
  assert.deepEqual(problemsOf(`cameras: [${cameras.join(', ')}]`), ['cameras[3].ai.fps: expected a number > 0']);
});

test('a value of the wrong type says what was expected and what kind of value was found', () => {
  assert.deepEqual(problemsOf(`http: {port: '8080'}\ncameras: [${camera("enabled: 'yes', channel: 1.5").replace('channel: 1, ', '')}]`), [
    'http.port: expected a number, received a string',
    'cameras[0].enabled: expected true or false, received a string',
    'cameras[0].channel: expected an integer, received a number with a fraction',
  ]);
});

test('an unknown key is an error at its own path', () => {
  assert.deepEqual(problemsOf(`http: {prot: 80}\ncameras: [${camera('ai: {fsp: 5}')}]`), [
    'http.prot: unknown key',
    'cameras[0].ai.fsp: unknown key',
  ]);
});

test('a missing required field and an unknown backend type are named', () => {
  assert.deepEqual(problemsOf('inference: {backend: {type: tflite}}\ncameras: [{id: gate, streams: {primary: a.mp4}}]'), [
    "inference.backend.type: expected one of 'motion', 'onnx', 'nanodet', 'blazeface'",
    'cameras[0].channel: missing: expected a number',
  ]);
  assert.deepEqual(problemsOf('inference: {backend: {type: onnx}}'), ['inference.backend.modelPath: missing: expected a string']);
});

test("a nanodet inputSize off the net's 32-pixel stride or outside 128-640 is refused at its path, saying what fits", () => {
  const fits = "must be a multiple of 32 (NanoDet's largest stride) from 128 to 640, e.g. 320 or 416";
  for (const size of [336, 96, 672, 320.5]) {
    assert.deepEqual(problemsOf(`inference: {backend: {type: nanodet, inputSize: ${size}}}`), [`inference.backend.inputSize: ${fits}`]);
  }
  const backend = parseConfig('inference: {backend: {type: nanodet, inputSize: 416}}', { env: {} }).inference.backend;
  assert.equal(backend.type === 'nanodet' ? backend.inputSize : undefined, 416);
});

test('a full-frame width that is negative or not a whole number is refused at its path', () => {
  assert.deepEqual(problemsOf('inference: {bestShot: {frameWidth: -1}}'), ['inference.bestShot.frameWidth: expected a number >= 0']);
  assert.deepEqual(problemsOf('inference: {bestShot: {frameWidth: 640.5}}'), [
    'inference.bestShot.frameWidth: expected an integer, received a number with a fraction',
  ]);
  assert.equal(parseConfig('inference: {bestShot: {frameWidth: 0}}', { env: {} }).inference.bestShot.frameWidth, 0);
});

test('duplicate ids and channels name both indexes, next to the other problems of the file', () => {
  const text = `cameras: [${camera()}, ${camera('', 'dock', 2)}, ${camera('ai: {fps: 0}', 'gate', 2)}]`;
  assert.deepEqual(problemsOf(text), [
    'cameras[2].ai.fps: expected a number > 0',
    'cameras[2].id: duplicate id "gate", also used by cameras[0]',
    'cameras[2].channel: duplicate channel 2, also used by cameras[1]',
  ]);
});

test('a camera id must be a slug', () => {
  assert.deepEqual(problemsOf(`cameras: [${camera('', 'Gate 1')}]`), [
    'cameras[0].id: expected a slug: lower-case letters, digits, - or _ (at most 64, starting with a letter or digit)',
  ]);
});

test('a zone polygon with too few points or no area is rejected at the zone', () => {
  assert.deepEqual(
    problemsOf(`cameras: [${camera('zones: {dock-edge: {points: [[0, 0], [1, 1]]}, lane: {points: [[0, 0], [0.5, 0.5], [1, 1]]}}')}]`),
    [
      'cameras[0].zones["dock-edge"].points: a polygon needs at least 3 points',
      // The decisions schema checks the area of any point list, also one that is too short.
      'cameras[0].zones["dock-edge"].points: a polygon needs an area: its points all lie on one line',
      'cameras[0].zones.lane.points: a polygon needs an area: its points all lie on one line',
    ],
  );
  assert.deepEqual(problemsOf(`cameras: [${camera('zones: {lane: {points: [[0, 0], [1.5, 0], [1, 1]]}}')}]`), [
    'cameras[0].zones.lane.points[1][0]: expected a number <= 1',
  ]);
});

test('an object rule that requires an undefined zone is named', () => {
  assert.deepEqual(problemsOf(`cameras: [${camera('objects: {person: {requiredZones: [yard]}}')}]`), [
    'cameras[0].objects.person.requiredZones[0]: unknown zone "yard": define it under zones',
  ]);
});

test('a stream URL with an unsupported scheme or no host is rejected', () => {
  const streams = "streams: {primary: 'ftp://10.0.0.1/cam', secondary: 'rtsp://'}";
  assert.deepEqual(problemsOf(`cameras: [{id: gate, channel: 1, ${streams}}]`), [
    "cameras[0].streams.primary: unsupported URL scheme 'ftp': expected rtsp://, rtsps://, http://, https://, file://, lavfi: or a file path",
    'cameras[0].streams.secondary: expected a valid rtsp:// URL with a host',
  ]);
});

test('workers is either auto or a positive integer', () => {
  assert.deepEqual(problemsOf('gateway: {workers: many}'), ["gateway.workers: expected 'auto' or a number, received a string"]);
  assert.deepEqual(problemsOf('gateway: {workers: 0}'), ['gateway.workers: expected a number >= 1']);
});

test('recording settings merge from the defaults and every unset field takes its default', () => {
  const config = parseConfig(
    `defaults: {recording: {mode: events, preRollSeconds: 8}}\ncameras: [${camera('recording: {segmentSeconds: 4}')}]`,
    {
      env: {},
    },
  );
  assert.deepEqual(config.cameras[0]?.recording, {
    mode: 'events',
    segmentSeconds: 4,
    format: 'mp4',
    preRollSeconds: 8,
    postRollSeconds: 5,
    retentionDays: { continuous: 3, motion: 7, events: 14 },
  });
  assert.deepEqual(config.recordings.diskGuard, { minFreeMiB: 1024, minFreePercent: 5, warnRatio: 1.5, intervalSeconds: 10 });
});

test('bad recording settings are named by their path', () => {
  assert.deepEqual(problemsOf(`cameras: [${camera('recording: {mode: always, segmentSeconds: 0, enabled: true}')}]`), [
    "cameras[0].recording.mode: expected one of 'off', 'events', 'motion', 'continuous'",
    'cameras[0].recording.segmentSeconds: expected a number >= 1',
    'cameras[0].recording.enabled: unknown key',
  ]);
  assert.deepEqual(problemsOf('recordings: {diskGuard: {minFreePercent: 95, warnRatio: 0.5}}'), [
    'recordings.diskGuard.minFreePercent: expected a number <= 90',
    'recordings.diskGuard.warnRatio: expected a number >= 1',
  ]);
});

test('a lavfi camera cannot record: it has no encoded stream to copy', () => {
  const lavfi = `{id: synth, channel: 1, streams: {primary: 'lavfi:testsrc2'}, recording: {mode: continuous}}`;
  assert.deepEqual(problemsOf(`cameras: [${lavfi}]`), [
    "cameras[0].recording.mode: recording copies the camera's encoded stream and a lavfi: source has none; set recording.mode: off for this camera or give streams.primary an rtsp://, http(s):// or file stream",
  ]);
});

test('invalid defaults are reported once, at defaults, not again under every camera', () => {
  assert.deepEqual(problemsOf(`defaults: {ai: {fps: -1}}\ncameras: [${camera()}, ${camera('', 'dock', 2)}]`), [
    'defaults.ai.fps: expected a number > 0',
  ]);
});

test('YAML syntax errors give the line and column', () => {
  assert.deepEqual(problemsOf('http:\n  port: 8080\n  port: 9090\n'), ['line 3, column 3: Map keys must be unique']);
  const [first] = problemsOf('cameras:\n  - {id: gate, channel: 1\n');
  assert.match(first ?? '', /^line \d+, column \d+: /);
});

test('a document that is not a mapping is named as the root', () => {
  assert.deepEqual(problemsOf('- 1\n- 2\n'), ['(root): expected an object, received a list']);
});

test('an unreadable file is a ConfigError naming the file', async () => {
  await assert.rejects(
    loadConfig('/nonexistent/panoptes.yaml'),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.message.startsWith('Invalid configuration in /nonexistent/panoptes.yaml') &&
      err.problems[0] === 'cannot read the file: ENOENT',
  );
});

test('the example file text is what the docs point editors at: it names the JSON Schema', () => {
  const text = readFileSync(exampleFile('site-example.yaml'), 'utf8');
  assert.match(text, /^# yaml-language-server: \$schema=\.\/panoptes\.schema\.json$/m);
});
