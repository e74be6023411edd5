import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Candidates, type OutputTensor } from '../../src/inference/decode/candidates.ts';
import { chooseDecoder, type DecoderChoice, type DeclaredOutput } from '../../src/inference/decode/layout.ts';
import { SsdDecoder } from '../../src/inference/decode/ssd.ts';
import { YoloV5Decoder, YoloV8Decoder } from '../../src/inference/decode/yolo.ts';
import { yoloV5Item, yoloV8Item } from '../support/onnx-models.ts';

/** Candidates as rows of [x1, y1, x2, y2, score, classId], scores rounded to float32 noise. */
function rows(c: Candidates): number[][] {
  return Array.from({ length: c.count }, (_, i) => [
    ...c.boxes.subarray(i * 4, i * 4 + 4),
    Math.round(c.scores[i]! * 1e6) / 1e6,
    c.classes[i]!,
  ]);
}

function batchOf(...items: Float32Array[]): Float32Array {
  const out = new Float32Array(items.reduce((n, item) => n + item.length, 0));
  items.reduce((at, item) => {
    out.set(item, at);
    return at + item.length;
  }, 0);
  return out;
}

describe('YOLO decoders', () => {
  const first = [{ cx: 10, cy: 10, w: 4, h: 2, objectness: 0.5, classScores: [1, 0] }];
  const second = [{ cx: 30, cy: 20, w: 10, h: 6, objectness: 1, classScores: [0.25, 0.5] }];

  test('YOLOv5 reads the asked batch item and scores objectness x best class', () => {
    const out: OutputTensor = { data: batchOf(yoloV5Item(first, 2), yoloV5Item(second, 2)), dims: [2, 1, 7] };
    const c = new Candidates();
    new YoloV5Decoder('out', 0.25).decode({ out }, 0, c);
    assert.deepEqual(rows(c), [[8, 9, 12, 11, 0.5, 0]]);
    new YoloV5Decoder('out', 0.25).decode({ out }, 1, c);
    assert.deepEqual(rows(c), [[25, 17, 35, 23, 0.5, 1]]);
  });

  test('YOLOv8 takes the best class plane a candidate and reads the asked batch item', () => {
    const three = [...first, ...second, { cx: 1, cy: 1, w: 1, h: 1, classScores: [0.1, 0.2] }];
    const out: OutputTensor = { data: batchOf(yoloV8Item(three, 2), yoloV8Item([...second, ...first, ...first], 2)), dims: [2, 6, 3] };
    const c = new Candidates();
    const decoder = new YoloV8Decoder('out', 0.25);
    decoder.decode({ out }, 0, c);
    assert.deepEqual(rows(c), [
      [8, 9, 12, 11, 1, 0],
      [25, 17, 35, 23, 0.5, 1],
    ]);
    decoder.decode({ out }, 1, c);
    assert.deepEqual(rows(c), [
      [25, 17, 35, 23, 0.5, 1],
      [8, 9, 12, 11, 1, 0],
      [8, 9, 12, 11, 1, 0],
    ]);
  });

  test('a float64 output is E_MODEL_INVALID naming what came out', () => {
    const out: OutputTensor = { data: new Float64Array(7), dims: [1, 1, 7] };
    assert.throws(() => new YoloV5Decoder('out', 0.25).decode({ out }, 0, new Candidates()), {
      code: 'E_MODEL_INVALID',
      message: "Model output 'out' is Float64Array [1, 1, 7]; expected a float32 [batch, candidates, 5 + classes] YOLOv5 output",
    });
  });
});

describe('SSD decoder', () => {
  const names = { boxes: 'b', scores: 's', classes: 'c', count: 'n' };

  test('x1,y1,x2,y2 boxes in tensor pixels with float class ids and an int32 [batch, 1] count', () => {
    const outputs: Record<string, OutputTensor> = {
      b: { data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 9, 9]), dims: [1, 3, 4] },
      s: { data: Float32Array.from([0.5, 0.75, 0.9]), dims: [1, 3] },
      c: { data: Float32Array.from([2.0000002, 7, 1]), dims: [1, 3] },
      n: { data: Int32Array.from([2]), dims: [1, 1] },
    };
    const c = new Candidates();
    new SsdDecoder({ names, boxOrder: 'xyxy', normalized: false, tensorWidth: 100, tensorHeight: 50, scoreThreshold: 0.25 }).decode(
      outputs,
      0,
      c,
    );
    assert.deepEqual(rows(c), [
      [1, 2, 3, 4, 0.5, 2],
      [5, 6, 7, 8, 0.75, 7],
    ]);
  });

  test('the second batch item of normalised y1,x1,y2,x2 boxes scales by the tensor size', () => {
    const outputs: Record<string, OutputTensor> = {
      b: { data: Float32Array.from([0, 0, 1, 1, 0.5, 0.25, 1, 0.75]), dims: [2, 1, 4] },
      s: { data: Float32Array.from([0.9, 0.8]), dims: [2, 1] },
      c: { data: BigInt64Array.from([1n, 4n]), dims: [2, 1] },
    };
    const c = new Candidates();
    new SsdDecoder({
      names: { boxes: 'b', scores: 's', classes: 'c' },
      boxOrder: 'yxyx',
      normalized: true,
      tensorWidth: 100,
      tensorHeight: 50,
      scoreThreshold: 0.25,
    }).decode(outputs, 1, c);
    assert.deepEqual(rows(c), [[25, 25, 75, 50, 0.8, 4]]);
  });
});

describe('choosing the decoder from the declared outputs', () => {
  const choice: DecoderChoice = {
    output: 'auto',
    labelCount: 80,
    scoreThreshold: 0.25,
    tensorWidth: 64,
    tensorHeight: 64,
    ssd: { boxOrder: 'yxyx', normalized: true },
  };
  const one = (shape: DeclaredOutput['shape']): DeclaredOutput[] => [{ name: 'out', type: 'float32', shape }];

  test('auto tells YOLOv8 from YOLOv5 by the static axis when the candidate axis is dynamic', () => {
    assert.equal(chooseDecoder(one(['b', 84, 'n']), choice).layout, 'yolov8');
    assert.equal(chooseDecoder(one(['b', 'n', 85]), choice).layout, 'yolov5');
  });

  test('auto prefers the axis that fits the labels, then the longer axis as the candidates', () => {
    assert.equal(chooseDecoder(one([1, 84, 10]), choice).layout, 'yolov8');
    assert.equal(chooseDecoder(one([1, 10, 85]), choice).layout, 'yolov5');
    assert.deepEqual(chooseDecoder(one([1, 7, 300]), choice).classCount, 3);
    assert.equal(chooseDecoder(one([1, 300, 8]), choice).layout, 'yolov5');
  });

  test('a YOLO output with no static axis asks for output to be set', () => {
    assert.throws(() => chooseDecoder(one(['b', 'c', 'n']), choice), {
      code: 'E_MODEL_INVALID',
      message: /set output to 'yolov5' or 'yolov8'$/,
    });
    assert.equal(chooseDecoder(one(['b', 'c', 'n']), { ...choice, output: 'yolov8' }).layout, 'yolov8');
  });

  test('an explicit yolov5 layout on an output with too few columns is E_MODEL_INVALID', () => {
    assert.throws(() => chooseDecoder(one([1, 100, 5]), { ...choice, output: 'yolov5' }), { code: 'E_MODEL_INVALID' });
  });

  const ssdOutputs = (names: readonly string[]): DeclaredOutput[] => [
    { name: names[0]!, type: 'float32', shape: [1, 10, 4] },
    { name: names[1]!, type: 'float32', shape: [1, 10] },
    { name: names[2]!, type: 'int64', shape: [1, 10] },
  ];

  test('SSD outputs whose names do not say which is which need ssd.outputs', () => {
    const outputs = ssdOutputs(['o0', 'o1', 'o2']);
    assert.throws(() => chooseDecoder(outputs, choice), { code: 'E_MODEL_INVALID', message: /name them in ssd\.outputs/ });
    const named = { ...choice, ssd: { ...choice.ssd, outputs: { scores: 'o1', classes: 'o2' } } };
    assert.equal(chooseDecoder(outputs, named).layout, 'ssd');
  });

  test('an ssd.outputs name the model does not have is E_MODEL_INVALID', () => {
    const named = { ...choice, ssd: { ...choice.ssd, outputs: { scores: 'confidence' } } };
    assert.throws(() => chooseDecoder(ssdOutputs(['boxes', 'scores', 'classes']), named), {
      code: 'E_MODEL_INVALID',
      message: /an output named 'confidence' \(ssd\.outputs\.scores\)$/,
    });
  });

  test('SSD boxes that are not [batch, N, 4] are E_MODEL_INVALID', () => {
    const outputs = ssdOutputs(['boxes', 'scores', 'classes']);
    outputs[0] = { name: 'boxes', type: 'float32', shape: [1, 10, 5] };
    assert.throws(() => chooseDecoder(outputs, choice), { code: 'E_MODEL_INVALID', message: /expected SSD outputs boxes \[batch, N, 4\]/ });
  });
});
