/**
 * Detector backends by the config's `type` key (Frigate's detector plugins, in idea). Each is loaded by
 * dynamic import when first asked for, so a gateway running `motion` never loads onnxruntime, and a
 * backend still being written does not break the others. Runs inside inference pool workers.
 */
import { BackendUnknownError } from '../../errors.ts';
import type { Detector } from '../types.ts';

/** A backend's config: its `type` plus the backend's own options (each backend validates them). */
export interface BackendConfig {
  type: string;
  [option: string]: unknown;
}

export type DetectorFactory = (options: BackendConfig) => Promise<Detector>;

/** A module that provides a backend outside this registry (tests, plugins): `export createDetector`. */
export interface BackendModule {
  createDetector: DetectorFactory;
}

const BUILT_IN: Record<string, () => Promise<DetectorFactory>> = {
  motion: async () => (await import('./motion.ts')).createMotionDetector,
  onnx: async () => (await import('./onnx.ts')).createOnnxDetector,
  nanodet: async () => (await import('./nanodet.ts')).createNanodetDetector,
  blazeface: async () => (await import('./blazeface.ts')).createBlazefaceDetector,
};

export const BUILT_IN_BACKENDS = Object.keys(BUILT_IN);

/**
 * Builds the detector for `config`. `extra` maps further types to module URLs (tests register their
 * crashing and slow backends this way; nothing else can reach them).
 */
export async function createDetector(config: BackendConfig, extra: Readonly<Record<string, string>> = {}): Promise<Detector> {
  const url = extra[config.type];
  if (url !== undefined) return ((await import(url)) as BackendModule).createDetector(config);
  const load = BUILT_IN[config.type];
  if (!load) throw new BackendUnknownError(config.type, [...BUILT_IN_BACKENDS, ...Object.keys(extra)]);
  return (await load())(config);
}

export function isKnownBackend(type: string, extra: Readonly<Record<string, string>> = {}): boolean {
  return type in BUILT_IN || type in extra;
}
