/**
 * What an upload target does, whatever it speaks (S3, HTTP PUT): send one local file under a key and
 * prove that what the server stored is that file (its SHA-256), or throw an UploadError saying whether
 * trying again can help. One implementation a file (s3-target.ts, http-target.ts), picked by the
 * config's `type`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { UploadTarget } from '../../config/upload-schema.ts';
import type { UploadKind } from './queue.ts';

export interface UploadFile {
  /** Absolute path of the local file. */
  path: string;
  /** `<camera>/<YYYY-MM-DD>/<event id>.<ext>`: the S3 key after the prefix, `{key}` in an HTTP URL. */
  key: string;
  kind: UploadKind;
  camera: string;
  eventId: string;
  /** The UTC day the event started, YYYY-MM-DD. */
  date: string;
  /** jpg (snapshot), frame.jpg (frame: `{event}.{ext}` stays apart from the snapshot's) or mp4 (clip). */
  ext: string;
  contentType: string;
  digest: FileDigest;
}

export interface FileDigest {
  /** Hex SHA-256. */
  sha256: string;
  bytes: number;
}

/**
 * How an upload's SHA-256 was checked: answered with the PUT (`sha256-response`), asked of the server
 * afterwards (`sha256-head`, S3 HeadObject), or computed over the object read back (`sha256-read-back`).
 */
export const VERIFIED_BY = ['sha256-response', 'sha256-head', 'sha256-read-back'] as const;
export type VerifiedBy = (typeof VERIFIED_BY)[number];

export interface UploadResult {
  /** The object's name for the API (s3://bucket/key or the URL without its query). */
  remote: string;
  /** How the stored bytes were shown to be the file's. */
  verifiedBy: VerifiedBy;
}

export interface UploadTargetClient {
  /** What the target is, for logs and health (no credential). */
  readonly name: string;
  put(file: UploadFile, signal: AbortSignal): Promise<UploadResult>;
  close(): void;
}

/** SHA-256 and size of a file in one read. */
export async function digestFile(path: string): Promise<FileDigest> {
  const sha = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    sha.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: sha.digest('hex'), bytes };
}

export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

export async function targetClient(target: UploadTarget, timeoutMs: number): Promise<UploadTargetClient> {
  if (target.type === 's3') {
    const { S3UploadTarget } = await import('./s3-target.ts');
    return new S3UploadTarget(target, timeoutMs);
  }
  const { HttpUploadTarget } = await import('./http-target.ts');
  return new HttpUploadTarget(target);
}
