/**
 * The facts a bench result is meaningless without: what ran it (CPU, cores, the SIMD path the kernels
 * took), with what (Node, ffmpeg, onnxruntime) and which code (git commit, and whether the tree had
 * uncommitted changes). Each fact that cannot be read says why instead of failing the run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { simdReport } from '../../src/native/index.ts';

export interface MachineFacts {
  cpu: string;
  cores: number;
  platform: string;
  node: string;
  /** The kernels' active SIMD path and what this CPU supports; null when the addon does not load. */
  simd: { active: string; supported: string[] } | null;
  ffmpeg: { version: string; source: string } | null;
  onnxruntime: string | null;
  gitCommit: string | null;
  /** Uncommitted changes to tracked files: the numbers are not exactly those of gitCommit. */
  gitDirty: boolean | null;
  [key: string]: unknown;
}

function git(args: string[]): string | null {
  try {
    // --no-optional-locks: reading the status must not rewrite the index under a concurrent git command.
    return execFileSync('git', ['--no-optional-locks', ...args], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null; // not a checkout, or no commit yet
  }
}

function simdFacts(): MachineFacts['simd'] {
  try {
    const r = simdReport();
    return { active: r.active, supported: r.supported };
  } catch {
    return null; // the addon is not built: the kernels scenario will say so itself
  }
}

function ffmpegFacts(): MachineFacts['ffmpeg'] {
  try {
    const f = resolveFfmpeg();
    return { version: f.version, source: f.source };
  } catch {
    return null;
  }
}

/** onnxruntime-node's own package.json (its exports map hides it from require, so read it beside main). */
function onnxruntimeVersion(): string | null {
  try {
    const require = createRequire(import.meta.url);
    let dir = path.dirname(require.resolve('onnxruntime-node'));
    for (let up = 0; up < 5; up++, dir = path.dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'onnxruntime-node') return pkg.version ?? null;
      } catch {
        // no package.json at this level: keep walking up
      }
    }
    return null;
  } catch {
    return null;
  }
}

/** The facts that cannot change during a run (Omit<> would drop them: MachineFacts has an index signature). */
type StableFacts = Pick<MachineFacts, 'cpu' | 'cores' | 'platform' | 'node' | 'simd' | 'ffmpeg' | 'onnxruntime'>;
let cached: StableFacts | undefined;

function stableFacts(): StableFacts {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
    node: process.version,
    simd: simdFacts(),
    ffmpeg: ffmpegFacts(),
    onnxruntime: onnxruntimeVersion(),
  };
}

/** Everything above plus a scenario's own facts (`extra`); git is read each time, the rest once. */
export function machineFacts(extra: Record<string, unknown> = {}): MachineFacts {
  const stable = (cached ??= stableFacts());
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return { ...stable, gitCommit: git(['rev-parse', 'HEAD']), gitDirty: status === null ? null : status !== '', ...extra };
}

/** One line for a report's header. */
export function describeMachine(m: MachineFacts): string {
  const commit = m.gitCommit === null ? 'no commit' : `commit ${m.gitCommit.slice(0, 7)}${m.gitDirty ? ' (dirty)' : ''}`;
  return (
    `${m.cpu}, ${m.cores} cores, SIMD ${m.simd?.active ?? 'unknown'}, node ${m.node}, ` +
    `ffmpeg ${m.ffmpeg?.version ?? 'none'}, onnxruntime ${m.onnxruntime ?? 'none'}, ${commit}`
  );
}
