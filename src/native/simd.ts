/** Which SIMD path the kernels run: reported at start-up, switchable so tests and benches cover each. */
import { SimdUnsupportedError } from '../errors.ts';
import { SIMD_LEVELS, type SimdLevelName } from './binding.ts';
import { addon } from './load.ts';

export interface SimdReport {
  /** The level kernel calls use now. */
  active: SimdLevelName;
  /** The best level this CPU runs, after the PANOPTES_SIMD cap. */
  best: SimdLevelName;
  compiled: SimdLevelName[];
  supported: SimdLevelName[];
}

let active: number | undefined;

function levelCode(name: string): number {
  return SIMD_LEVELS.indexOf(name as SimdLevelName);
}

/** The level code passed to every kernel call. */
export function activeLevel(): number {
  active ??= levelCode(addon().simd().best);
  return active;
}

export function simdReport(): SimdReport {
  const raw = addon().simd();
  return {
    active: SIMD_LEVELS[activeLevel()] as SimdLevelName,
    best: raw.best as SimdLevelName,
    compiled: raw.compiled as SimdLevelName[],
    supported: raw.supported as SimdLevelName[],
  };
}

/** Selects a level for this thread; 'auto' returns to the best supported one. */
export function setSimdLevel(level: SimdLevelName | 'auto'): void {
  const raw = addon().simd();
  if (level === 'auto') {
    active = levelCode(raw.best);
    return;
  }
  if (!raw.supported.includes(level)) {
    throw new SimdUnsupportedError(
      `SIMD level '${String(level)}' is not available here (supported: ${raw.supported.join(', ')}); ` + `choose one of those or 'auto'`,
    );
  }
  active = levelCode(level);
}
