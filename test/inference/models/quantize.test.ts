import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import sharp from 'sharp';
import { createDetector } from '../../../src/inference/backends/index.ts';
import { OnnxGraphBuilder } from '../../../src/inference/models/onnx-builder.ts';
import { quantizeInt8 } from '../../../src/inference/models/quantize.ts';
import type { Detection } from '../../../src/inference/types.ts';
import { resolveFfmpeg } from '../../../src/ingest/ffmpeg-path.ts';
import { type OpenCvMedia, openCvMedia } from '../../support/opencv-media.ts';
import { cropOf, type Photo } from '../../support/photos.ts';
import { randomValues } from './tfjs-fixture.ts';

const { onnx } = onnxProto;

/** input [1, 3, 8, 8] -> Pad 1 -> Conv 3x3 (4 out) -> Add bias -> LeakyRelu 0.1 -> output: the converter's pattern. */
function tinyConvNet(): Uint8Array {
  const b = new OnnxGraphBuilder();
  const input = b.input('image', [1, 3, 8, 8]);
  const [padded] = b.node('Pad', [input, b.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1])]);
  const [conv] = b.node('Conv', [padded as string, b.floats('w', [4, 3, 3, 3], randomValues(1, 108, 0.5))], { kernel_shape: [3, 3] });
  const [biased] = b.node('Add', [conv as string, b.floats('bias', [1, 4, 1, 1], randomValues(2, 4, 0.2))]);
  b.nodeTo('LeakyRelu', [biased as string], ['features'], { alpha: { float: 0.1 } });
  b.output('features', [1, 4, 8, 8]);
  return b.encode('tiny');
}

async function run(bytes: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const session = await InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    return (await session.run({ image: new Tensor('float32', x, [1, 3, 8, 8]) }))['features']?.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('int8 quantisation (QDQ)', () => {
  test('a Pad-Conv-Add-LeakyRelu net becomes one int8 Conv with its pads and bias, and computes what the float net does within a few quantisation steps', async () => {
    const float = tinyConvNet();
    const calibration = Array.from({ length: 12 }, (_, i) => randomValues(10 + i, 192));
    const quantized = await quantizeInt8(float, calibration, [1, 3, 8, 8], { note: 'test' });
    const graph = onnx.ModelProto.decode(quantized).graph as onnxProto.onnx.GraphProto;
    const ops = graph.node.map((n) => n.opType);
    assert.ok(!ops.includes('Pad') && !ops.includes('Add'), `Pad and Add folded into the Conv: ${ops.join(', ')}`);
    const conv = graph.node.find((n) => n.opType === 'Conv') as onnxProto.onnx.NodeProto;
    assert.deepEqual(conv.attribute.find((a) => a.name === 'pads')?.ints?.map(Number), [1, 1, 1, 1]);
    const weightSource = graph.node.find((n) => n.output?.includes(conv.input[1] as string));
    assert.equal(weightSource?.opType, 'DequantizeLinear');
    const int8 = graph.initializer.find((t) => t.name === weightSource?.input?.[0]);
    assert.equal(int8?.dataType, onnx.TensorProto.DataType.INT8, 'weights are stored as int8');
    assert.ok(!graph.initializer.some((t) => t.name === 'w'), 'the float weights are gone');
    assert.equal(graph.output[0]?.name, 'features');
    assert.ok(onnx.ModelProto.decode(quantized).metadataProps.some((m) => m.key === 'note' && m.value === 'test'));
    for (const seed of [40, 41, 42]) {
      const x = randomValues(seed, 192);
      const expected = await run(float, x);
      const actual = await run(quantized, x);
      const range = Math.max(...expected) - Math.min(...expected);
      let worst = 0;
      let sum = 0;
      for (let i = 0; i < expected.length; i++) {
        const d = Math.abs((actual[i] as number) - (expected[i] as number));
        worst = Math.max(worst, d);
        sum += d;
      }
      // One uint8 step of the output is range / 255: values are off by about one on average; the few
      // beyond the calibrated range (its 90th percentile of maxima) saturate, so the worst is larger.
      assert.ok(sum / expected.length < (1.5 * range) / 255, `mean difference ${sum / expected.length} of a range ${range}`);
      assert.ok(worst < 0.1 * range, `worst difference ${worst} of a range ${range}`);
      assert.ok(worst > 0, 'the int8 net actually rounds');
    }
  });

  test('quantising without calibration inputs is refused', async () => {
    await assert.rejects(quantizeInt8(tinyConvNet(), [], [1, 3, 8, 8]), /at least one calibration input/);
  });
});

const iou = (a: Detection['box'], b: Detection['box']): number => {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a.width * a.height + b.width * b.height - inter);
};

/** Frames of OpenCV's vtest.avi at the default detect size, and two photos: none of them calibrated on. */
async function heldOut(): Promise<Photo[]> {
  const photos: Photo[] = [];
  for (const at of [10, 30, 50, 70]) {
    const args = [
      '-v',
      'error',
      '-ss',
      String(at),
      '-i',
      openCvMedia('vtest.avi'),
      '-frames:v',
      '1',
      '-vf',
      'scale=1280:720',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ];
    photos.push({ data: new Uint8Array(execFileSync(resolveFfmpeg().path, args, { maxBuffer: 1 << 24 })), width: 1280, height: 720 });
  }
  for (const name of ['person_multi_det.jpg', 'pexels_double_decker_bus.jpg'] as OpenCvMedia[]) {
    const { data, info } = await sharp(openCvMedia(name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    photos.push({ data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height });
  }
  return photos;
}

describe('the shipped int8 NanoDet', () => {
  test('finds what the fp32 model finds on footage and photos it was not calibrated on: same boxes, scores within 0.1, only threshold cases lost', async () => {
    const fp32 = await createDetector({ type: 'nanodet', precision: 'fp32' }, {});
    const int8 = await createDetector({ type: 'nanodet', precision: 'int8' }, {});
    let found = 0;
    let matched = 0;
    const overlaps: number[] = [];
    const scoreDiffs: number[] = [];
    try {
      for (const photo of await heldOut()) {
        for (const side of [256, 512, Math.min(photo.width, photo.height)]) {
          for (let y = 0; y + side <= photo.height; y += Math.max(128, Math.floor((photo.height - side) / 2) || side)) {
            for (let x = 0; x + side <= photo.width; x += Math.max(128, Math.floor((photo.width - side) / 3) || side)) {
              const region = { x, y, width: side, height: side };
              const [expected = []] = await fp32.detect([cropOf(photo, region, fp32.tensor!)]);
              const [actual = []] = await int8.detect([cropOf(photo, region, int8.tensor!)]);
              for (const d of expected) {
                found++;
                const best = actual.filter((a) => a.label === d.label).sort((a, b) => iou(b.box, d.box) - iou(a.box, d.box))[0];
                const overlap = best === undefined ? 0 : iou(best.box, d.box);
                if (best === undefined || overlap < 0.5) {
                  // Lost only near the 0.4 threshold, where a score moving by a few hundredths flips it.
                  assert.ok(d.score < 0.5, `a ${d.label} at ${d.score.toFixed(2)} in ${JSON.stringify(region)} was lost`);
                  continue;
                }
                matched++;
                overlaps.push(overlap);
                // Below 0.8 the nearest box may be a neighbour's (people in a crowd overlap up to NMS's 0.5).
                if (overlap >= 0.8) scoreDiffs.push(Math.abs(best.score - d.score));
              }
            }
          }
        }
      }
    } finally {
      await fp32.close();
      await int8.close();
    }
    overlaps.sort((a, b) => a - b);
    scoreDiffs.sort((a, b) => a - b);
    assert.ok(
      (scoreDiffs[Math.floor(scoreDiffs.length * 0.99)] ?? 1) <= 0.1,
      `99% of scores within 0.1 of fp32's: ${scoreDiffs.slice(-5).join(', ')}`,
    );
    assert.ok(found > 200, `enough detections to judge (${found})`);
    assert.ok(matched / found >= 0.95, `${matched} of ${found} fp32 detections found by int8`);
    assert.ok((overlaps[Math.floor(overlaps.length / 2)] ?? 0) >= 0.95, `median IoU ${overlaps[Math.floor(overlaps.length / 2)]}`);
  });
});
