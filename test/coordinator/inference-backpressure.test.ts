import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { cameraDecisionsSchema, globalDecisionsSchema } from '../../src/analytics/decisions/options.ts';
import { EventBus } from '../../src/analytics/events.ts';
import { Counter } from '../../src/channel/stats.ts';
import { Gateway, type GatewayCamera } from '../../src/coordinator/gateway.ts';
import { InferenceHub } from '../../src/coordinator/inference-hub.ts';
import { SlabCtrl, type CropSlab } from '../../src/inference/crop-slab.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { Control, TEST_BACKEND_URL, controlBlock, openGate } from '../inference/fixtures/test-backends.ts';
import { ANALYSIS, lavfiSpec } from '../support/cameras.ts';
import { waitFor } from '../support/wait.ts';

const logger = pino({ level: 'silent' });
const control = controlBlock();
let hub: InferenceHub;
let gateway: Gateway;
let camera: GatewayCamera;
let slab: CropSlab;

before(async () => {
  hub = await InferenceHub.start({
    pool: {
      backend: { type: 'test', control: control.buffer, tensor: { width: 64, height: 64, layout: 'nchw-f32' } },
      threads: 1,
      extraBackends: { test: TEST_BACKEND_URL },
    },
    decisions: globalDecisionsSchema.parse({}),
    publisher: new EventBus(),
    logger,
  });
  gateway = new Gateway({ ffmpeg: resolveFfmpeg(), logger, workers: 1, onCandidate: (n) => hub.submit(n), onTick: (t) => hub.tick(t) });
  gateway.start();
  const hubCamera = hub.addCamera('busy', { format: 'gray', width: 320, height: 180 }, cameraDecisionsSchema.parse({}));
  slab = hubCamera.slab;
  camera = await gateway.addCamera(lavfiSpec('busy'), { ...ANALYSIS, crops: slab.buffer, tracked: hubCamera.tracked.buffer });
});
after(async () => {
  openGate(control);
  await gateway.stop();
  await hub.close();
});

test('a detector that stops answering never stalls ingest or motion: frames flow on and crop drops are counted', async () => {
  // Every frame of testsrc2 moves, so every frame has candidates; the backend blocks on its first call.
  Atomics.store(control, Control.Gate, 1);
  await waitFor('the backend is blocked', () => Atomics.load(control, Control.Waiting) === 1, 60_000);
  const analysed = camera.stats.get(Counter.Analysed);
  const received = camera.actor.frames;
  await waitFor('20 more frames analysed while the detector is blocked', () => camera.stats.get(Counter.Analysed) >= analysed + 20, 60_000);
  const dropped = slab.counter(SlabCtrl.DroppedQueueFull) + slab.counter(SlabCtrl.DroppedInFlight);
  assert.ok(dropped > 0, 'crops that could not be queued were counted');
  // Motion kept pace with ingest: the ring dropped nothing while inference was stuck.
  assert.equal(gateway.metrics('busy')?.drops.ring_full, 0);
  assert.ok(camera.actor.frames - received >= 20);
  openGate(control);
  const calls = Atomics.load(control, Control.Calls);
  await waitFor('inference resumes once the detector answers', () => Atomics.load(control, Control.Calls) > calls + 2, 60_000);
});
