import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { halfToFloat, readGraphModel } from '../../../src/inference/models/tfjs-graph.ts';
import { convertGraph, type ConvertedModel } from '../../../src/inference/models/tfjs-to-onnx.ts';
import { loadReference, nchwToNhwc, runReference } from '../../support/tfjs-reference.ts';
import { ints, randomValues, str, writeTfjsModel, type FixtureConst, type FixtureNode } from './tfjs-fixture.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'panoptes-convert-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Converted and original outputs must agree within 1e-4 of the output's scale. Measured here: the
 * largest difference was 4e-7 of the scale (NanoDet scores 2.7e-7 on 0.19, BlazeFace regressors 6e-5 on
 * 141), from fp32 sums taken in another order by XNNPACK (TF.js wasm) and MLAS (onnxruntime). A wrong
 * layout, weight order or padding moves outputs by a sizeable share of their scale.
 */
const RELATIVE_TOLERANCE = 1e-4;

function assertClose(actual: Float32Array, expected: Float32Array, what: string): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 1,
    worst = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  assert.ok(worst <= RELATIVE_TOLERANCE * scale, `${what}: max difference ${worst} exceeds ${RELATIVE_TOLERANCE} x ${scale}`);
  return worst / scale;
}

async function runOnnx(model: ConvertedModel, input: Float32Array): Promise<InferenceSession.OnnxValueMapType> {
  const session = await InferenceSession.create(Buffer.from(model.bytes), { intraOpNumThreads: 1 });
  try {
    return await session.run({ [model.input.name]: new Tensor('float32', input, model.input.shape) });
  } finally {
    await session.release();
  }
}

describe('TF.js graph reading', () => {
  test('fp16 halves decode exactly, subnormals and infinities included', () => {
    assert.equal(halfToFloat(0x3c00), 1);
    assert.equal(halfToFloat(0xc000), -2);
    assert.equal(halfToFloat(0x3555), 0.333251953125);
    assert.equal(halfToFloat(0x0001), 2 ** -24);
    assert.equal(halfToFloat(0x7c00), Infinity);
    assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  });

  test('fp16 and uint8 quantised weights are expanded with the manifest dtype, min and scale', async () => {
    const values = [-1.5, -0.25, 0, 0.5, 2];
    const path = writeTfjsModel(
      dir,
      'quantised',
      { name: 'x', shape: [1, 5] },
      [{ name: 'y', op: 'Mul', input: ['x', 'h'] }],
      [
        { name: 'h', shape: [5], values, quantize: 'float16' },
        { name: 'q', shape: [5], values, quantize: 'uint8' },
      ],
      ['y'],
    );
    const graph = await readGraphModel(path);
    assert.deepEqual(Array.from(graph.weights.get('h')?.data ?? []), values, 'these values are exact in fp16');
    const q = Array.from(graph.weights.get('q')?.data ?? []);
    q.forEach((v, i) => assert.ok(Math.abs(v - values[i]!) <= 3.5 / 255 / 2 + 1e-6, `uint8 value ${i} within half a step`));
  });

  test('weight shards shorter than the manifest are E_MODEL_INVALID naming the weight', async () => {
    const path = writeTfjsModel(
      dir,
      'short',
      { name: 'x', shape: [1, 4] },
      [{ name: 'y', op: 'Mul', input: ['x', 'w'] }],
      [{ name: 'w', shape: [4], values: [1, 2, 3, 4] }],
      ['y'],
    );
    writeFileSync(join(dir, 'short.bin'), Buffer.alloc(8));
    await assert.rejects(readGraphModel(path), { code: 'E_MODEL_INVALID', message: /end before weight 'w'/ });
  });

  test('a model.json that is not JSON is E_MODEL_INVALID', async () => {
    writeFileSync(join(dir, 'broken.json'), '{"format": "graph-mo');
    await assert.rejects(readGraphModel(join(dir, 'broken.json')), { code: 'E_MODEL_INVALID', message: /is not JSON/ });
  });
});

describe('TF.js to ONNX translation', () => {
  test('an op the converter does not know is E_MODEL_INVALID naming the node, the op and the supported ops', async () => {
    const path = writeTfjsModel(
      dir,
      'cumsum',
      { name: 'x', shape: [1, 4] },
      [{ name: 'acc', op: 'Cumsum', input: ['x', 'axis'] }],
      [{ name: 'axis', shape: [], values: [1], dtype: 'int32' }],
      ['acc'],
    );
    const graph = await readGraphModel(path);
    assert.throws(() => convertGraph(graph, { source: 'cumsum.json' }), {
      code: 'E_MODEL_INVALID',
      message: /node 'acc' \(Cumsum\): op Cumsum is not supported \(supported: .*Conv2D.*\)/,
    });
  });

  test('a graph of every translated op family gives the TF.js outputs: SAME and VALID convolutions, depthwise, fused bias+activation, pad, pool, resize, concat, reshape, softmax', async () => {
    const nodes: FixtureNode[] = [
      {
        name: 'c1',
        op: 'Conv2D',
        input: ['x', 'w1'],
        attr: { strides: ints(1, 2, 2, 1), padding: str('SAME'), data_format: str('NHWC'), dilations: ints(1, 1, 1, 1) },
      },
      { name: 'b1', op: 'BiasAdd', input: ['c1', 'bias1'], attr: { data_format: str('NHWC') } },
      { name: 'r1', op: 'Relu6', input: ['b1'] },
      {
        name: 'd1',
        op: 'DepthwiseConv2dNative',
        input: ['r1', 'wd'],
        attr: { strides: ints(1, 1, 1, 1), padding: str('SAME'), data_format: str('NHWC'), dilations: ints(1, 1, 1, 1) },
      },
      { name: 'p1', op: 'Pad', input: ['d1', 'pads'] },
      {
        name: 'm1',
        op: 'MaxPool',
        input: ['p1'],
        attr: { ksize: ints(1, 2, 2, 1), strides: ints(1, 2, 2, 1), padding: str('VALID'), data_format: str('NHWC') },
      },
      { name: 'u1', op: 'ResizeBilinear', input: ['m1', 'size'], attr: { align_corners: { b: false }, half_pixel_centers: { b: true } } },
      { name: 'cat', op: 'ConcatV2', input: ['u1', 'r1', 'axis'], attr: { N: { i: '2' } } },
      {
        name: 'f',
        op: '_FusedConv2D',
        input: ['cat', 'w2', 'bias2'],
        attr: {
          strides: ints(1, 1, 1, 1),
          padding: str('VALID'),
          data_format: str('NHWC'),
          dilations: ints(1, 1, 1, 1),
          num_args: { i: '1' },
          fused_ops: { list: { s: [str('BiasAdd').s, str('Relu').s] } },
          epsilon: { f: 0 },
        },
      },
      { name: 'rs', op: 'Reshape', input: ['f', 'shape'] },
      { name: 'out', op: 'Softmax', input: ['rs'] },
      { name: 'side', op: 'Transpose', input: ['d1', 'perm'] },
    ];
    const consts: FixtureConst[] = [
      { name: 'w1', shape: [3, 3, 3, 4], values: randomValues(1, 108) },
      { name: 'bias1', shape: [4], values: randomValues(2, 4), quantize: 'float16' },
      { name: 'wd', shape: [3, 3, 4, 1], values: randomValues(3, 36) },
      { name: 'pads', shape: [4, 2], values: [0, 0, 1, 1, 1, 1, 0, 0], dtype: 'int32' },
      { name: 'size', shape: [2], values: [4, 4], dtype: 'int32' },
      { name: 'axis', shape: [], values: [3], dtype: 'int32' },
      { name: 'w2', shape: [1, 1, 8, 6], values: randomValues(4, 48) },
      { name: 'bias2', shape: [6], values: randomValues(5, 6) },
      { name: 'shape', shape: [3], values: [1, 16, 6], dtype: 'int32' },
      { name: 'perm', shape: [4], values: [0, 3, 1, 2], dtype: 'int32' },
    ];
    const path = writeTfjsModel(dir, 'families', { name: 'x', shape: [1, 8, 8, 3] }, nodes, consts, ['out', 'side']);
    const converted = convertGraph(await readGraphModel(path), { source: 'families.json', nchwInput: true });
    assert.deepEqual(converted.input.shape, [1, 3, 8, 8], 'the NHWC input is exposed as NCHW');
    assert.deepEqual(converted.outputs, [
      { name: 'out', shape: [1, 16, 6] },
      { name: 'side', shape: [1, 4, 4, 4] },
    ]);
    const input = randomValues(6, 192, 3);
    const onnx = await runOnnx(converted, input);
    const reference = runReference(await loadReference(path), nchwToNhwc(input, 8), [1, 8, 8, 3], ['out', 'side']);
    for (const name of ['out', 'side']) assertClose(onnx[name]!.data as Float32Array, reference[name]!.data, name);
  });
});

describe('converting at another input size', () => {
  /** A small FPN: a stride-2 convolution, a resize down to 1/4 of the input and back up, a nearest resize to the input. */
  function fpn(height: number, width: number): { nodes: FixtureNode[]; consts: FixtureConst[] } {
    const nodes: FixtureNode[] = [
      {
        name: 'c1',
        op: 'Conv2D',
        input: ['x', 'w1'],
        attr: { strides: ints(1, 2, 2, 1), padding: str('SAME'), data_format: str('NHWC'), dilations: ints(1, 1, 1, 1) },
      },
      { name: 'down', op: 'ResizeBilinear', input: ['c1', 'quarter'], attr: { half_pixel_centers: { b: true } } },
      { name: 'up', op: 'ResizeBilinear', input: ['down', 'half'], attr: { half_pixel_centers: { b: true } } },
      { name: 'sum', op: 'AddV2', input: ['up', 'c1'] },
      { name: 'full', op: 'ResizeNearestNeighbor', input: ['sum', 'whole'], attr: { half_pixel_centers: { b: true } } },
      { name: 'out', op: 'ConcatV2', input: ['full', 'x', 'axis'], attr: { N: { i: '2' } } },
    ];
    const consts: FixtureConst[] = [
      { name: 'w1', shape: [3, 3, 3, 4], values: randomValues(31, 108) },
      { name: 'quarter', shape: [2], values: [height / 4, width / 4], dtype: 'int32' },
      { name: 'half', shape: [2], values: [height / 2, width / 2], dtype: 'int32' },
      { name: 'whole', shape: [2], values: [height, width], dtype: 'int32' },
      { name: 'axis', shape: [], values: [3], dtype: 'int32' },
    ];
    return { nodes, consts };
  }

  test('a graph converted at inputSize gives what TF.js gives for the same graph exported at that size', async () => {
    const exported = fpn(8, 8);
    const path = writeTfjsModel(dir, 'fpn-8', { name: 'x', shape: [1, 8, 8, 3] }, exported.nodes, exported.consts, ['out']);
    const converted = convertGraph(await readGraphModel(path), {
      source: 'fpn-8.json',
      nchwInput: true,
      inputSize: { width: 16, height: 12 },
    });
    assert.deepEqual(converted.input.shape, [1, 3, 12, 16]);
    assert.deepEqual(converted.outputs, [{ name: 'out', shape: [1, 12, 16, 7] }]);
    const at = fpn(12, 16);
    const referencePath = writeTfjsModel(dir, 'fpn-12x16', { name: 'x', shape: [1, 12, 16, 3] }, at.nodes, at.consts, ['out']);
    const input = randomValues(32, 3 * 12 * 16, 2);
    const onnx = await runOnnx(converted, input);
    const planes = new Float32Array(12 * 16 * 3);
    for (let i = 0; i < 12 * 16; i++) for (let c = 0; c < 3; c++) planes[i * 3 + c] = input[c * 12 * 16 + i]!;
    const reference = runReference(await loadReference(referencePath), planes, [1, 12, 16, 3], ['out']);
    assertClose(onnx['out']!.data as Float32Array, reference['out']!.data, 'out');
  });

  test('an inputSize that is not a multiple of the largest stride is E_MODEL_INVALID naming inputSize and the stride', async () => {
    const exported = fpn(8, 8);
    const path = writeTfjsModel(dir, 'fpn-odd', { name: 'x', shape: [1, 8, 8, 3] }, exported.nodes, exported.consts, ['out']);
    const graph = await readGraphModel(path);
    assert.throws(() => convertGraph(graph, { source: 'fpn-odd.json', inputSize: { width: 10, height: 12 } }), {
      code: 'E_MODEL_INVALID',
      message: /inputSize 10x12 is not a multiple of 4, the net's largest stride \(node 'down' resizes to 1\/4 of the exported 8x8 input\)/,
    });
  });

  test('inputSize equal to the exported size converts byte for byte as no inputSize does', async () => {
    const exported = fpn(8, 8);
    const path = writeTfjsModel(dir, 'fpn-same', { name: 'x', shape: [1, 8, 8, 3] }, exported.nodes, exported.consts, ['out']);
    const plain = convertGraph(await readGraphModel(path), { source: 'fpn-same.json' });
    const same = convertGraph(await readGraphModel(path), { source: 'fpn-same.json', inputSize: { width: 8, height: 8 } });
    assert.deepEqual(Buffer.from(same.bytes), Buffer.from(plain.bytes));
  });
});
