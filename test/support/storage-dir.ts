/**
 * A private storage directory (events database and JPEGs) for a site a test starts, so tests running
 * side by side never share one (the database lock would refuse the second) and nothing is written to
 * the working directory. Removed when the test process exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function scratchStorageDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-storage-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The config line that puts a site's storage in a fresh private directory. */
export function storageYaml(): string {
  return `storage: { dir: ${JSON.stringify(scratchStorageDir())} }`;
}
