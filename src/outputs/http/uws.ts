/**
 * Loads uWebSockets.js once. The package's own entry point silently falls back to a slow pure-JS
 * server when its native build does not load; Panoptes loads the native binary directly instead, so a
 * platform without one fails at start-up with one message listing what was tried and how to fix it
 * (sharp's loader pattern), and the log says which build is serving.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type * as UwsModule from 'uWebSockets.js';
import { UwsLoadError } from '../../errors.ts';

export type Uws = typeof UwsModule;

export interface LoadedUws {
  uws: Uws;
  /** The package version (the native module does not report one). */
  version: string;
  /** The binary that was loaded, for the start-up log line. */
  file: string;
}

const require = createRequire(import.meta.url);

/** Node ABI versions this uWebSockets.js release ships binaries for, and the Node majors they are. */
const SHIPPED_ABIS: Record<string, string> = { '93': 'Node 16', '108': 'Node 18', '115': 'Node 20' };

function packageDir(failures: string[]): string | undefined {
  try {
    return path.dirname(require.resolve('uWebSockets.js/package.json'));
  } catch (error) {
    failures.push(`uWebSockets.js/package.json: ${(error as Error).message}`);
    return undefined;
  }
}

/** `binaries/uws_<platform>_<arch>_<abi>.node`, as the package names them; PANOPTES_UWS overrides. */
export function uwsCandidates(dir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env['PANOPTES_UWS'];
  if (override) return [path.resolve(override)];
  const name = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  return [path.join(dir, 'binaries', name), path.join(dir, 'dist', name)];
}

export function loadUws(env: NodeJS.ProcessEnv = process.env): LoadedUws {
  const failures: string[] = [];
  const dir = packageDir(failures);
  if (dir !== undefined) {
    const { version } = require(path.join(dir, 'package.json')) as { version: string };
    for (const candidate of uwsCandidates(dir, env)) {
      if (!existsSync(candidate)) {
        failures.push(`${candidate}: not found`);
        continue;
      }
      try {
        return { uws: require(candidate) as Uws, version, file: candidate };
      } catch (error) {
        failures.push(`${candidate}: ${(error as Error).message}`);
      }
    }
  }
  const shipped = Object.entries(SHIPPED_ABIS)
    .map(([abi, node]) => `${node} (ABI ${abi})`)
    .join(', ');
  throw new UwsLoadError(
    [
      `Could not load the native uWebSockets.js build for ${process.platform}-${process.arch}, Node ${process.versions.node} (ABI ${process.versions.modules}).`,
      ...failures.map((failure) => `- ${failure}`),
      'Possible solutions:',
      `- Run a Node.js this release ships binaries for: ${shipped}; Panoptes supports Node 20`,
      '- On Linux x64 the binary needs glibc 2.27 or newer (ldd --version); Alpine/musl is not supported',
      '- Reinstall dependencies: rm -rf node_modules/uWebSockets.js && npm install',
      '- If PANOPTES_UWS is set, point it at an existing uws_*.node or unset it',
    ].join('\n'),
  );
}

let loaded: LoadedUws | undefined;

/** The process-wide uWebSockets.js, loaded on first use. */
export function uws(): LoadedUws {
  loaded ??= loadUws();
  return loaded;
}
