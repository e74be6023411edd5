/**
 * The directories the config names (`mqtt.outbox.dir`, `storage.dir`, `recordings.dir` when a camera records), checked when the gateway
 * starts so a bad one fails at once with the setting's name instead of later inside a module.
 * Directories are created one level at a time: Node's `mkdirSync(..., { recursive: true })` loops for
 * ever on a path under /proc (each level reports ENOENT and is retried), which a typo such as
 * `/proc/x` turned into a start-up spinning at 100% CPU.
 */
import { mkdirSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DirectoryUnusableError } from '../errors.ts';
import type { SiteConfig } from './schema.ts';

export interface DirectorySetting {
  setting: string;
  dir: string;
}

export function directorySettings(config: SiteConfig): DirectorySetting[] {
  return [
    { setting: 'mqtt.outbox.dir', dir: config.mqtt.outbox.dir },
    { setting: 'storage.dir', dir: config.storage.dir },
    ...(config.cameras.some((c) => c.recording.mode !== 'off') ? [{ setting: 'recordings.dir', dir: config.recordings.dir }] : []),
  ];
}

function errnoOf(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? message;
}

/** The directory itself, or the deepest one above it that exists. */
function existingAncestor(dir: string): string {
  let current = path.resolve(dir);
  for (;;) {
    try {
      statSync(current);
      return current;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/** A temporary subdirectory made and removed: proves files can be created there, whoever runs us. */
function probeWritable(dir: string): string | null {
  try {
    rmdirSync(mkdtempSync(path.join(dir, '.panoptes-write-check-')));
    return null;
  } catch (error) {
    return `cannot create files in ${dir} (${errnoOf(error)})`;
  }
}

/** Why `dir` could not be created and written now, without creating it; null when it could. */
export function directoryProblem(dir: string): string | null {
  const ancestor = existingAncestor(dir);
  if (!statSync(ancestor, { throwIfNoEntry: false })?.isDirectory()) return `${ancestor} is not a directory`;
  return probeWritable(ancestor);
}

/** Creates `dir` (and missing parents, one level at a time); throws the OS error of the level that failed. */
export function makeDirectory(dir: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let current = target; !statSync(current, { throwIfNoEntry: false }); current = path.dirname(current)) {
    missing.unshift(current);
    if (path.dirname(current) === current) break;
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  if (!statSync(target).isDirectory()) throw Object.assign(new Error(`${target} is not a directory`), { code: 'ENOTDIR' });
}

/** Creates and write-checks every directory setting; throws DirectoryUnusableError naming the first bad one. */
export function ensureDirectories(config: SiteConfig): void {
  for (const { setting, dir } of directorySettings(config)) {
    try {
      makeDirectory(dir);
    } catch (error) {
      throw new DirectoryUnusableError(setting, dir, `cannot create it (${errnoOf(error)})`);
    }
    const problem = probeWritable(dir);
    if (problem !== null) throw new DirectoryUnusableError(setting, dir, problem);
  }
}
