import sharp from 'sharp';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { NanodetDecoder, nanodetLayout } from './src/inference/decode/nanodet.ts';
import { Candidates } from './src/inference/decode/candidates.ts';
import { nonMaxSuppression } from './src/inference/nms.ts';
import { COCO_LABELS } from './src/inference/labels.ts';
const [file, l, t, w, h, bgr] = process.argv.slice(2);
const region = { left: +l!, top: +t!, width: +w!, height: +h! };
const s = await InferenceSession.create('build/models/nanodet-m-416.onnx');
const outs = s.outputMetadata.map((m) => ({ name: m.name, type: m.isTensor ? m.type : 'x', shape: m.isTensor ? m.shape : [] }));
const layout = nanodetLayout(outs, 416, 80, 'x');
const dec = new NanodetDecoder(layout, 0.3);
const raw = await sharp(file).extract(region).resize(416, 416, process.env.LB ? { fit: 'contain', background: { r: 114, g: 114, b: 114 } } : { fit: 'fill' }).removeAlpha().raw().toBuffer();
const x = new Float32Array(3 * 416 * 416);
const mean = [123.675, 116.28, 103.53], std = [58.395, 57.12, 57.375];
for (let i = 0; i < 416 * 416; i++) for (let c = 0; c < 3; c++) {
  if (bgr === '2') x[(2 - c) * 416 * 416 + i] = (raw[i * 3 + c]! - mean[c]!) / std[c]!;
  else if (bgr === '3') x[c * 416 * 416 + i] = (raw[i * 3 + c]! - mean[c]!) / std[c]!;
  else x[(bgr ? 2 - c : c) * 416 * 416 + i] = raw[i * 3 + c]! / 255;
}
const o = await s.run({ input_1: new Tensor('float32', x, [1, 3, 416, 416]) });
const cand = new Candidates();
dec.decode(o as any, 0, cand);
const kept = nonMaxSuppression(cand, 0.5, 100);
const lbScale = Math.min(416 / region.width, 416 / region.height);
const lb = !!process.env.LB;
const sx = lb ? 1 / lbScale : region.width / 416, sy = lb ? 1 / lbScale : region.height / 416;
const px = lb ? Math.floor((416 - region.width * lbScale) / 2) : 0, py = lb ? Math.floor((416 - region.height * lbScale) / 2) : 0;
const rects: string[] = [];
for (const i of kept) {
  const b = [...cand.boxes.subarray(i * 4, i * 4 + 4)];
  const fx = (b[0]! - px) * sx + region.left, fy = (b[1]! - py) * sy + region.top, fw = (b[2]! - b[0]!) * sx, fh = (b[3]! - b[1]!) * sy;
  console.log(COCO_LABELS[cand.classes[i]!], cand.scores[i]!.toFixed(2), [fx, fy, fw, fh].map((v) => v.toFixed(0)).join(','));
  rects.push(`<rect x="${fx - region.left}" y="${fy - region.top}" width="${fw}" height="${fh}" fill="none" stroke="red" stroke-width="3"/><text x="${fx - region.left}" y="${fy - region.top + 14}" fill="yellow" font-size="14">${COCO_LABELS[cand.classes[i]!]} ${cand.scores[i]!.toFixed(2)}</text>`);
}
const svg = Buffer.from(`<svg width="${region.width}" height="${region.height}">${rects.join('')}</svg>`);
await sharp(file).extract(region).composite([{ input: svg }]).png().toFile('/tmp/mx/nd-out.png');
