import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createOnnxDetector, type OnnxBackendOptions, type OnnxDetector } from '../../src/inference/backends/onnx.ts';
import type { Detection, DetectorInput } from '../../src/inference/types.ts';
import { cropResize, type CropMapping } from '../../src/native/index.ts';
import { Random } from '../support/random.ts';
import { writeGarbage, writeModel, yoloV5Item, yoloV8Item, type ModelSpec } from '../support/onnx-models.ts';

const quiet = pino({ level: 'silent' });
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'panoptes-onnx-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let modelCount = 0;
function model(spec: ModelSpec): string {
  return writeModel(dir, `model-${modelCount++}.onnx`, spec);
}

function labelsFile(names: readonly string[]): string {
  const path = join(dir, `labels-${modelCount++}.txt`);
  writeFileSync(path, `${names.join('\n')}\n`);
  return path;
}

async function open(options: OnnxBackendOptions): Promise<OnnxDetector> {
  return createOnnxDetector(options, quiet);
}

function identity(width: number, height: number): CropMapping {
  return { roi: { x: 0, y: 0, width, height }, scaleX: 1, scaleY: 1, padX: 0, padY: 0, contentWidth: width, contentHeight: height };
}

function inputOf(tensor: Float32Array, mapping: CropMapping): DetectorInput {
  return { tensor, mapping, region: mapping.roi, motion: [], contrast: 0 };
}

/** A tensor whose pixels all equal `value`, so the test models' mean(input) is exactly `value`. */
function flat(width: number, height: number, value = 0): Float32Array {
  return new Float32Array(3 * width * height).fill(value);
}

/** Rounds boxes and scores so float32 outputs compare with exact literals. */
function rounded(detections: readonly Detection[]): Detection[] {
  const r = (v: number): number => Math.round(v * 1e4) / 1e4;
  return detections.map((d) => ({
    ...d,
    score: r(d.score),
    box: { x: r(d.box.x), y: r(d.box.y), width: r(d.box.width), height: r(d.box.height) },
  }));
}

async function detectOne(detector: OnnxDetector, tensor: Float32Array, mapping: CropMapping): Promise<Detection[]> {
  const [result] = await detector.detect([inputOf(tensor, mapping)]);
  assert.ok(result);
  return rounded(result);
}

describe('onnx backend through onnxruntime-node', () => {
  test('a YOLOv5 model decodes to labelled boxes scored objectness x class, dropping those under the threshold', async () => {
    const labelsPath = labelsFile(['cat', 'dog', 'fox']);
    const base = yoloV5Item(
      [
        { cx: 20, cy: 24, w: 10, h: 8, objectness: 0.8, classScores: [0.5, 1, 0] },
        // Both factors pass the 0.25 threshold but their product (0.2) does not.
        { cx: 40, cy: 40, w: 8, h: 8, objectness: 0.5, classScores: [0.4, 0, 0] },
        { cx: 50, cy: 10, w: 6, h: 4, objectness: 0.2, classScores: [0, 0, 1] },
        { cx: 48, cy: 48, w: 16, h: 12, objectness: 1, classScores: [0, 0, 0.5] },
      ],
      3,
    );
    const detector = await open({
      modelPath: model({ inputDims: [1, 3, 64, 64], outputs: [{ name: 'output0', dims: [1, 4, 8], base }] }),
      labelsPath,
    });
    assert.equal(detector.layout, 'yolov5');
    assert.deepEqual(detector.tensor, { width: 64, height: 64, layout: 'nchw-f32' });
    assert.deepEqual(await detectOne(detector, flat(64, 64), identity(64, 64)), [
      { label: 'dog', classId: 1, score: 0.8, box: { x: 15, y: 20, width: 10, height: 8 } },
      { label: 'fox', classId: 2, score: 0.5, box: { x: 40, y: 42, width: 16, height: 12 } },
    ]);
    await detector.close();
  });

  test('a YOLOv8 model with the 80 COCO classes is recognised from its shape and decodes to COCO labels', async () => {
    const candidates = Array.from({ length: 100 }, () => ({ cx: 0, cy: 0, w: 0, h: 0, classScores: [] as number[] }));
    candidates[7] = { cx: 30, cy: 30, w: 20, h: 40, classScores: Object.assign(new Array<number>(80).fill(0), { 0: 0.3, 2: 0.75 }) };
    candidates[42] = { cx: 80, cy: 90, w: 30, h: 10, classScores: Object.assign(new Array<number>(80).fill(0), { 79: 0.9 }) };
    const base = yoloV8Item(candidates, 80);
    const detector = await open({
      modelPath: model({ inputDims: [1, 3, 128, 128], outputs: [{ name: 'output0', dims: [1, 84, 100], base }] }),
    });
    assert.equal(detector.layout, 'yolov8');
    assert.deepEqual(await detectOne(detector, flat(128, 128), identity(128, 128)), [
      { label: 'toothbrush', classId: 79, score: 0.9, box: { x: 65, y: 85, width: 30, height: 10 } },
      { label: 'car', classId: 2, score: 0.75, box: { x: 20, y: 10, width: 20, height: 40 } },
    ]);
    await detector.close();
  });

  test('an SSD model decodes normalised y1,x1,y2,x2 boxes with int64 classes, up to its detection count', async () => {
    const detector = await open({
      modelPath: model({
        inputDims: [1, 3, 50, 100],
        outputs: [
          { name: 'detection_boxes', dims: [1, 4, 4], base: [0.2, 0.1, 0.6, 0.5, 0, 0.5, 1, 1, 0.1, 0.1, 0.2, 0.2, 0, 0, 1, 1] },
          { name: 'detection_scores', dims: [1, 4], base: [0.875, 0.5, 0.125, 0.99] },
          { name: 'detection_classes', dims: [1, 4], base: [17, 0, 3, 5], type: 'int64' },
          // The fourth row scores highest but lies past the count, as padding rows of TF exports do.
          { name: 'num_detections', dims: [1], base: [3] },
        ],
      }),
    });
    assert.equal(detector.layout, 'ssd');
    assert.deepEqual(await detectOne(detector, flat(100, 50), identity(100, 50)), [
      { label: 'horse', classId: 17, score: 0.875, box: { x: 10, y: 10, width: 40, height: 20 } },
      { label: 'person', classId: 0, score: 0.5, box: { x: 50, y: 0, width: 50, height: 50 } },
    ]);
    await detector.close();
  });

  test('NMS removes the overlapping lower-score box of the same class but keeps an overlapping box of another class', async () => {
    const base = yoloV8Item(
      [
        { cx: 20, cy: 20, w: 20, h: 20, classScores: [0.9, 0] },
        { cx: 22, cy: 21, w: 20, h: 20, classScores: [0.8, 0] },
        { cx: 21, cy: 20, w: 20, h: 20, classScores: [0, 0.7] },
        { cx: 50, cy: 50, w: 10, h: 10, classScores: [0.6, 0] },
      ],
      2,
    );
    const detector = await open({
      modelPath: model({ inputDims: [1, 3, 64, 64], outputs: [{ name: 'out', dims: [1, 6, 4], base }] }),
      output: 'yolov8',
    });
    const found = await detectOne(detector, flat(64, 64), identity(64, 64));
    assert.deepEqual(
      found.map((d) => [d.label, d.score]),
      [
        ['person', 0.9],
        ['bicycle', 0.7],
        ['person', 0.6],
      ],
    );
    await detector.close();
  });

  test('boxes on a letterboxed crop of a region map back to frame coordinates, clamped to the region', async () => {
    const frameWidth = 160,
      frameHeight = 120;
    const frame = new Random(4).bytes(frameWidth * frameHeight * 3);
    const region = { x: 40, y: 20, width: 80, height: 40 };
    const { tensor, mapping } = cropResize(frame, 'rgb24', frameWidth, frameHeight, {
      roi: region,
      width: 64,
      height: 64,
      layout: 'nchw-f32',
      letterbox: true,
    });
    // 80x40 scales by 0.8 to 64x32, centred: 16 rows of padding above and below.
    assert.deepEqual([mapping.scaleX, mapping.scaleY, mapping.padX, mapping.padY], [0.8, 0.8, 0, 16]);
    const base = yoloV8Item(
      [
        { cx: 32, cy: 32, w: 16, h: 8, classScores: [0.9, 0, 0] },
        { cx: 8, cy: 16, w: 16, h: 16, classScores: [0, 0.8, 0] },
        { cx: 40, cy: 6, w: 8, h: 8, classScores: [0, 0, 0.7] },
      ],
      3,
    );
    const detector = await open({
      modelPath: model({ inputDims: [1, 3, 64, 64], outputs: [{ name: 'out', dims: [1, 7, 3], base }] }),
      output: 'yolov8',
    });
    assert.deepEqual(await detectOne(detector, tensor as Float32Array, mapping), [
      // Tensor (24, 28)-(40, 36): x = 40 + 24 / 0.8, y = 20 + (28 - 16) / 0.8, size / 0.8.
      { label: 'person', classId: 0, score: 0.9, box: { x: 70, y: 35, width: 20, height: 10 } },
      // Tensor (0, 8)-(16, 24) starts in the top padding: y1 = 10 in the frame, clamped to the region's 20.
      { label: 'bicycle', classId: 1, score: 0.8, box: { x: 40, y: 20, width: 20, height: 10 } },
      // The third box lies wholly in the padding and is gone.
    ]);
    await detector.close();
  });

  describe('batching', () => {
    const size = 32;
    /** cx moves 40 px per unit of the input's mean, so each input of a batch gets its own box. */
    const yolo = (batch: number | string): ModelSpec => {
      const base = yoloV8Item([{ cx: 8, cy: 16, w: 8, h: 8, classScores: [0.9] }], 1);
      return { inputDims: [batch, 3, size, size], outputs: [{ name: 'out', dims: [batch, 5, 1], base, gain: [40, 0, 0, 0, 0] }] };
    };
    const inputs = [0, 0.25, 0.5].map((v) => inputOf(flat(size, size, v), identity(size, size)));
    const expectedX = [4, 14, 24];

    async function checkBatch(spec: ModelSpec, maxBatch: number): Promise<void> {
      const detector = await open({ modelPath: model(spec), labelsPath: labelsFile(['thing']), output: 'yolov8' });
      assert.equal(detector.maxBatch, maxBatch);
      const batched = (await detector.detect(inputs)).map(rounded);
      const single = [];
      for (const input of inputs) single.push(rounded((await detector.detect([input]))[0]!));
      assert.deepEqual(batched, single);
      assert.deepEqual(
        batched.map((r) => r.map((d) => d.box.x)),
        expectedX.map((x) => [x]),
      );
      await detector.close();
    }

    test('a dynamic-batch model takes 3 inputs in one call and returns 3 result lists matching single runs', async () => {
      await checkBatch(yolo('batch'), 8);
    });

    test('a model with a static batch of 1 exposes maxBatch 1 and runs a batch input by input', async () => {
      await checkBatch(yolo(1), 1);
    });

    test('a model with a static batch of 2 runs 3 inputs as a full batch and a zero-padded one', async () => {
      await checkBatch(yolo(2), 2);
    });
  });

  describe('start-up errors', () => {
    async function rejection(options: OnnxBackendOptions): Promise<{ code: string; message: string }> {
      try {
        await open(options);
      } catch (error) {
        return error as { code: string; message: string };
      }
      assert.fail('the detector was created');
    }
    const yolo = (inputDims: ModelSpec['inputDims']): ModelSpec => ({
      inputDims,
      outputs: [{ name: 'out', dims: [1, 84, 8], base: new Float32Array(84 * 8) }],
    });

    test('a missing model file is E_MODEL_MISSING naming the path and the setting to fix', async () => {
      const modelPath = join(dir, 'nope', 'yolo.onnx');
      const error = await rejection({ modelPath });
      assert.equal(error.code, 'E_MODEL_MISSING');
      assert.match(error.message, new RegExp(`ONNX model not found at ${modelPath}: set modelPath`));
    });

    test('a file that is not an ONNX model is E_MODEL_INVALID saying what is expected', async () => {
      const error = await rejection({ modelPath: writeGarbage(dir) });
      assert.equal(error.code, 'E_MODEL_INVALID');
      assert.match(error.message, /^onnxruntime could not load .*garbage\.onnx \(.*\): expected an ONNX model file/);
    });

    test('a model whose input is not rank-4 NCHW is E_MODEL_INVALID naming the input found', async () => {
      const error = await rejection({ modelPath: model(yolo([1, 3, 64])) });
      assert.equal(error.code, 'E_MODEL_INVALID');
      assert.equal(
        error.message,
        "Unsupported model input 'images' float32 [1, 3, 64]: expected one float32 NCHW image input [batch, 3, height, width]",
      );
    });

    test('a model whose output is no detector layout is E_MODEL_INVALID naming the outputs found', async () => {
      const error = await rejection({
        modelPath: model({ inputDims: [1, 3, 8, 8], outputs: [{ name: 'logits', dims: [1, 10], base: new Float32Array(10) }] }),
      });
      assert.equal(error.code, 'E_MODEL_INVALID');
      assert.match(error.message, /^Unsupported model outputs 'logits' float32 \[1, 10\]: expected one float32 output/);
    });

    test('a model with a dynamic input size needs inputSize, and uses it when given', async () => {
      const modelPath = model(yolo([1, 3, 'height', 'width']));
      const error = await rejection({ modelPath });
      assert.equal(error.code, 'E_MODEL_INVALID');
      assert.match(error.message, /has a dynamic size: set inputSize/);
      const detector = await open({ modelPath, inputSize: [96, 64] });
      assert.deepEqual(detector.tensor, { width: 96, height: 64, layout: 'nchw-f32' });
      assert.deepEqual(await detectOne(detector, flat(96, 64), identity(96, 64)), []);
      await detector.close();
    });

    test('an inputSize that contradicts a static model input is E_MODEL_INVALID', async () => {
      const error = await rejection({ modelPath: model(yolo([1, 3, 64, 64])), inputSize: 640 });
      assert.equal(error.code, 'E_MODEL_INVALID');
      assert.equal(error.message, "The model's input is 64x64 but inputSize is 640x640: remove inputSize or set it to [64, 64]");
    });

    test('a missing labels file is E_LABELS_INVALID', async () => {
      const error = await rejection({ modelPath: model(yolo([1, 3, 64, 64])), labelsPath: join(dir, 'none.txt') });
      assert.equal(error.code, 'E_LABELS_INVALID');
      assert.match(error.message, /none\.txt does not exist: set labelsPath/);
    });
  });

  test('a crop that is not the tensor the detector asked for is E_DETECTOR_INPUT', async () => {
    const detector = await open({
      modelPath: model({ inputDims: [1, 3, 16, 16], outputs: [{ name: 'out', dims: [1, 84, 2], base: new Float32Array(168) }] }),
    });
    await assert.rejects(detector.detect([inputOf(new Float32Array(10), identity(16, 16))]), {
      code: 'E_DETECTOR_INPUT',
      message: 'onnx detector input 0: expected a Float32Array of length 768 (nchw-f32 16x16) but received Float32Array of length 10',
    });
    await detector.close();
  });

  test('asking for CUDA runs on CUDA when onnxruntime can use it, else on CPU with a warning', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const base = yoloV8Item([{ cx: 8, cy: 8, w: 4, h: 4, classScores: [0.9] }], 1);
    const detector = await createOnnxDetector(
      {
        modelPath: model({ inputDims: [1, 3, 16, 16], outputs: [{ name: 'out', dims: [1, 5, 1], base }] }),
        executionProviders: ['cuda', 'cpu'],
        output: 'yolov8',
      },
      logger,
    );
    const warned = lines.some((l) => l.includes('CUDA execution provider unavailable, using CPU'));
    assert.equal(warned, detector.executionProvider === 'cpu');
    assert.equal((await detectOne(detector, flat(16, 16), identity(16, 16))).length, 1);
    await detector.close();
  });
});
