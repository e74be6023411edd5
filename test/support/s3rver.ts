/**
 * A real S3-compatible server for the upload tests: s3rver (npm, a devDependency) as its own process
 * on a loopback port, its objects in a private directory that survives a kill and a restart. It checks
 * Signature V4 (the key pair S3RVER / S3RVER, anything else is refused as S3 would), answers the MD5
 * ETag of a PUT and does not implement the SHA-256 additional checksums.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServerProcess, type ServerProcess } from './server-process.ts';

export const S3RVER_KEY = 'S3RVER';

export interface S3rver extends ServerProcess {
  readonly endpoint: string;
  readonly dir: string;
  dispose(): Promise<void>;
}

export async function startS3rver(bucket: string): Promise<S3rver> {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-s3rver-'));
  const bin = path.join(path.dirname(createRequire(import.meta.url).resolve('s3rver/package.json')), 'bin', 's3rver.js');
  const server = await startServerProcess({
    command: process.execPath,
    // --silent keeps its per-request log off; the listening line is still printed.
    args: (port) => [bin, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--silent', '--configure-bucket', bucket],
    ready: (log) => log.some((line) => line.includes('S3rver listening')),
  });
  return Object.assign(server, {
    endpoint: `http://127.0.0.1:${server.port}`,
    dir,
    async dispose() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
