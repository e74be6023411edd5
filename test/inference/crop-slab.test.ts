import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cropResize } from '../../src/native/index.ts';
import { CropMeta, CropSlab, CropState, SlabCtrl } from '../../src/inference/crop-slab.ts';
import { CandidateSampler, CropSlabWriter } from '../../src/inference/crop-writer.ts';
import { Random } from '../support/random.ts';

const spec = { width: 16, height: 16, layout: 'nchw-f32' } as const;

/** Fills and commits a slot with `value`; returns [slot, seq]. */
function put(writer: CropSlabWriter, value: number): [number, number] {
  const slot = writer.acquire();
  assert.ok(slot >= 0, 'a slot was available');
  writer.tensor(slot).fill(value);
  return [slot, writer.commit(slot, 1000 + value)];
}

test('a committed crop is claimed by the reader in place, with its sequence and capture time', () => {
  const slab = CropSlab.create(spec, 4);
  const writer = new CropSlabWriter(slab);
  const [slot, seq] = put(writer, 3);
  const reader = CropSlab.attach(slab.buffer);
  assert.equal(reader.tensors[slot]?.buffer, slab.buffer, 'the reader views the shared slot, not a copy');
  assert.equal(reader.tensors[slot]?.length, 16 * 16 * 3);
  assert.ok(reader.claim(slot, seq));
  assert.equal(Atomics.load(reader.state, slot), CropState.Inferring);
  assert.equal(reader.tensors[slot]?.[0], 3);
  assert.equal(reader.metaOf(slot, CropMeta.CaptureMs), 1003);
  reader.release(slot);
  assert.equal(Atomics.load(slab.state, slot), CropState.Free);
  assert.equal(slab.counter(SlabCtrl.Committed), 1);
});

test('when every slot is queued the writer replaces the oldest crop and counts a queue_full drop', () => {
  const slab = CropSlab.create(spec, 3);
  const writer = new CropSlabWriter(slab);
  const puts = [1, 2, 3, 4, 5].map((v) => put(writer, v));
  assert.equal(slab.counter(SlabCtrl.DroppedQueueFull), 2);
  const kept = [0, 1, 2].map((slot) => slab.tensors[slot]?.[0]).sort();
  assert.deepEqual(kept, [3, 4, 5], 'the newest three survive');
  const [firstSlot, firstSeq] = puts[0] as [number, number];
  assert.equal(slab.claim(firstSlot, firstSeq), false, 'the dropped crop cannot be claimed');
  assert.equal(Atomics.load(slab.state, firstSlot), CropState.Queued, 'and the newer crop in its slot stays queued');
  const [lastSlot, lastSeq] = puts[4] as [number, number];
  assert.equal(slab.claim(lastSlot, lastSeq), true);
});

test('a crop being inferred is never overwritten; with every slot in inference the new crop is dropped', () => {
  const slab = CropSlab.create(spec, 2);
  const writer = new CropSlabWriter(slab);
  const claimed = [put(writer, 1), put(writer, 2)];
  for (const [slot, seq] of claimed) assert.ok(slab.claim(slot, seq));
  assert.equal(writer.acquire(), -1);
  assert.equal(slab.counter(SlabCtrl.DroppedInFlight), 1);
  assert.deepEqual(
    claimed.map(([slot]) => slab.tensors[slot]?.[0]),
    [1, 2],
  );
  slab.release((claimed[0] as [number, number])[0]);
  assert.equal(writer.acquire(), (claimed[0] as [number, number])[0], 'a released slot is reused');
});

test('a new writer frees a slot a dead writer left half-written and continues its sequence', () => {
  const slab = CropSlab.create(spec, 2);
  const dead = new CropSlabWriter(slab);
  put(dead, 1);
  const abandoned = dead.acquire();
  assert.equal(Atomics.load(slab.state, abandoned), CropState.Writing);
  const writer = new CropSlabWriter(CropSlab.attach(slab.buffer));
  assert.equal(Atomics.load(slab.state, abandoned), CropState.Free);
  assert.equal(put(writer, 2)[1], 2, 'sequence numbers continue across writers');
});

test('write() crops a frame region into its slot exactly as cropResize does, and returns the mapping', () => {
  const random = new Random(7);
  const width = 64;
  const height = 48;
  const frame = new Uint8Array((width * height * 3) / 2);
  for (let i = 0; i < frame.length; i++) frame[i] = random.uint32() & 255;
  const slab = CropSlab.create({ width: 32, height: 32, layout: 'nchw-f32' }, 2);
  const writer = new CropSlabWriter(slab);
  const region = { x: 8, y: 4, width: 40, height: 20 };
  const written = writer.write(frame, 'yuv420p', width, height, region, 555);
  assert.ok(written);
  const expected = cropResize(frame, 'yuv420p', width, height, { roi: region, width: 32, height: 32, layout: 'nchw-f32', letterbox: true });
  assert.deepEqual(slab.tensors[written.slot], expected.tensor);
  assert.deepEqual(written.mapping, expected.mapping);
  assert.equal(Atomics.load(slab.state, written.slot), CropState.Queued);
});

test("write() applies the backend's mean and std (nchw-f32), as the detector's TensorSpec asks", () => {
  const random = new Random(11);
  const frame = new Uint8Array((64 * 48 * 3) / 2);
  for (let i = 0; i < frame.length; i++) frame[i] = random.uint32() & 255;
  const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
  const slab = CropSlab.create({ width: 32, height: 32, layout: 'nchw-f32', ...norm }, 2);
  assert.deepEqual(CropSlab.attach(slab.buffer).mean, norm.mean, 'a worker attaching the slab reads the same normalisation');
  const region = { x: 8, y: 4, width: 40, height: 20 };
  const written = new CropSlabWriter(slab).write(frame, 'yuv420p', 64, 48, region, 1);
  assert.ok(written);
  const expected = cropResize(frame, 'yuv420p', 64, 48, {
    roi: region,
    width: 32,
    height: 32,
    layout: 'nchw-f32',
    letterbox: true,
    ...norm,
  });
  assert.deepEqual(slab.tensors[written.slot], expected.tensor);
  const plain = cropResize(frame, 'yuv420p', 64, 48, { roi: region, width: 32, height: 32, layout: 'nchw-f32', letterbox: true });
  assert.notDeepEqual(expected.tensor, plain.tensor, 'the normalisation changes the values');
});

test('a slab with whole snapshots keeps the entire frame a crop; without, only the region grown by its margin', () => {
  const random = new Random(13);
  const width = 64;
  const height = 48;
  const frame = new Uint8Array((width * height * 3) / 2);
  for (let i = 0; i < frame.length; i++) frame[i] = (random.uint32() & 254) + 1;
  const region = { x: 40, y: 30, width: 16, height: 12 };
  const geometry = { format: 'yuv420p', width, height } as const;
  const whole = CropSlab.create(spec, 2, { ...geometry, whole: true });
  assert.equal(CropSlab.attach(whole.buffer).snapshot?.whole, true, 'a worker attaching the slab sees the flag');
  const a = new CropSlabWriter(whole).write(frame, 'yuv420p', width, height, region, 1);
  assert.ok(a);
  assert.deepEqual(whole.snapshots[a.slot], frame);
  const partial = CropSlab.create(spec, 2, geometry);
  assert.equal(partial.snapshot?.whole, false);
  const b = new CropSlabWriter(partial).write(frame, 'yuv420p', width, height, region, 1);
  assert.ok(b);
  const snapshot = partial.snapshots[b.slot] as Uint8Array;
  assert.equal(snapshot[0], 0, 'the top-left corner, far from the region, was not copied');
  assert.equal(snapshot[45 + 35 * width], frame[45 + 35 * width], 'the region was');
});

test('a slab for a backend that needs no pixels carries queue state and the region as mapping', () => {
  const slab = CropSlab.create(null, 4);
  assert.equal(slab.tensors[0]?.length, 0);
  const written = new CropSlabWriter(slab).write(new Uint8Array(4), 'gray', 2, 2, { x: 1, y: 0, width: 1, height: 2 }, 0);
  assert.deepEqual(written?.mapping, {
    roi: { x: 1, y: 0, width: 1, height: 2 },
    scaleX: 1,
    scaleY: 1,
    padX: 0,
    padY: 0,
    contentWidth: 1,
    contentHeight: 2,
  });
});

test('a failed crop gives its slot back', () => {
  const slab = CropSlab.create(spec, 1);
  const writer = new CropSlabWriter(slab);
  assert.throws(() => writer.write(new Uint8Array(3), 'gray', 64, 64, { x: 0, y: 0, width: 8, height: 8 }, 0), { code: 'E_NATIVE_ARG' });
  assert.equal(Atomics.load(slab.state, 0), CropState.Free);
});

test('the sampler analyses the multiplier share of candidate frames, evenly, and follows changes at once', () => {
  const slab = CropSlab.create(null, 1);
  const sampler = new CandidateSampler(slab);
  const take = (n: number): string => Array.from({ length: n }, () => (sampler.take() ? 'x' : '.')).join('');
  assert.equal(take(4), 'xxxx');
  slab.rateMultiplier = 0.25;
  const pattern = take(41);
  assert.equal(pattern, `x..${'x...'.repeat(9)}x.`, 'one in four, evenly spaced');
  slab.rateMultiplier = 1;
  assert.equal(take(3), 'xxx');
});
