/**
 * Finds and loads the addon. Like sharp's loader: try each location, keep every failure, and throw one
 * error that lists them with the ways to fix it.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeLoadError } from '../errors.ts';
import type { RawAddon } from './binding.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LoadedAddon {
  addon: RawAddon;
  /** The file that was loaded, for the start-up log line. */
  path: string;
}

/** Locations in order: an explicit override (e.g. the sanitizer build), then cmake-js/node-gyp output. */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = [
    path.join(projectRoot, 'build', 'Release', 'panoptes.node'),
    path.join(projectRoot, 'build', 'Debug', 'panoptes.node'),
  ];
  const override = env['PANOPTES_ADDON'];
  return override ? [path.resolve(override)] : candidates;
}

export function loadAddon(candidates: string[] = addonCandidates()): LoadedAddon {
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) {
      failures.push(`${candidate}: not found`);
      continue;
    }
    try {
      return { addon: require(candidate) as RawAddon, path: candidate };
    } catch (err) {
      failures.push(`${candidate}: ${(err as Error).message}`);
    }
  }
  throw new NativeLoadError(
    [
      'Could not load the Panoptes native addon.',
      ...failures.map((f) => `- ${f}`),
      'Possible solutions:',
      '- Build it: npm run build:native (needs cmake and a C++17 compiler: apt-get install cmake g++)',
      '- Reinstall dependencies: npm install',
      '- If PANOPTES_ADDON is set, point it at an existing panoptes.node or unset it',
    ].join('\n'),
  );
}

let loaded: LoadedAddon | undefined;

/** The process-wide addon, loaded on first use (each worker thread loads its own instance). */
export function addon(): RawAddon {
  loaded ??= loadAddon();
  return loaded.addon;
}

export function addonPath(): string {
  addon();
  return (loaded as LoadedAddon).path;
}
