/**
 * S3 and S3-compatible servers (MinIO, Ceph RGW, R2, Garage, ...) through @aws-sdk/client-s3: one
 * PutObject a file, streamed from disk with its length, carrying `x-amz-checksum-sha256` (the file's
 * SHA-256, AWS "Checking object integrity"). What the server stored is then shown to be the file by
 * its SHA-256, the first way that works:
 * 1. a server that supports additional checksums (AWS, recent MinIO) verifies the body against it,
 *    refuses a mismatch (BadDigest) and answers the checksum with the PUT, which is compared;
 * 2. one that stores the checksum without answering it has it asked with HeadObject (ChecksumMode
 *    ENABLED) and compared (a multipart "composite" checksum is not the file's and is not used);
 * 3. one that knows no checksums (older MinIO and Ceph, s3rver) has the object read back with
 *    GetObject, streamed through a hash (never held in memory), and its SHA-256 compared: a second
 *    transfer, but proof of what is stored. The MD5 ETag such a server answers is not enough: it is
 *    not the MD5 for SSE-KMS objects, and it says what the server received, not what it serves.
 * A mismatch is a failed try like any other (retried with backoff, the reason on the upload's row).
 * The SDK's own retries are off: the upload queue retries with its backoff, and a streamed body cannot
 * be replayed by the SDK anyway.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Target } from '../../config/upload-schema.ts';
import { UploadError } from '../../errors.ts';
import { maskUrl } from '../../ingest/mask-url.ts';
import { hexToBase64, type UploadFile, type UploadResult, type UploadTargetClient } from './target.ts';

/** Error names S3 answers when the key pair is wrong, unknown or not allowed (AWS "Error responses"). */
const CREDENTIAL_ERRORS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken']);

/**
 * The SDK's own log: without one it prints a warning to the console on every failed streamed request.
 * Every failure reaches the uploader as the thrown error, which it logs (once, without the request).
 */
const QUIET = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export class S3UploadTarget implements UploadTargetClient {
  readonly name: string;
  readonly #target: S3Target;
  readonly #client: S3Client;

  constructor(target: S3Target, timeoutMs: number) {
    this.#target = target;
    this.name = `s3://${target.bucket}${target.endpoint === undefined ? ` (AWS ${target.region})` : ` at ${maskUrl(target.endpoint)}`}`;
    this.#client = new S3Client({
      region: target.region,
      forcePathStyle: target.forcePathStyle,
      ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
      credentials: { accessKeyId: target.accessKeyId.reveal(), secretAccessKey: target.secretAccessKey.reveal() },
      maxAttempts: 1,
      logger: QUIET,
      requestHandler: { connectionTimeout: Math.min(timeoutMs, 30_000), requestTimeout: timeoutMs },
    });
  }

  async put(file: UploadFile, signal: AbortSignal): Promise<UploadResult> {
    const key = `${this.#target.prefix}${file.key}`;
    const remote = `s3://${this.#target.bucket}/${key}`;
    const sha256 = hexToBase64(file.digest.sha256);
    let answer: { ChecksumSHA256?: string | undefined };
    try {
      answer = await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#target.bucket,
          Key: key,
          Body: createReadStream(file.path),
          ContentLength: file.digest.bytes,
          ContentType: file.contentType,
          ChecksumSHA256: sha256,
          Metadata: { 'panoptes-event': file.eventId, 'panoptes-sha256': file.digest.sha256 },
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw this.#explain(error);
    }
    if (answer.ChecksumSHA256 !== undefined) {
      this.#compare(remote, 'the server stored', answer.ChecksumSHA256, sha256);
      return { remote, verifiedBy: 'sha256-response' };
    }
    const stored = await this.#storedChecksum(key, signal);
    if (stored !== null) {
      this.#compare(remote, 'the server keeps', stored, sha256);
      return { remote, verifiedBy: 'sha256-head' };
    }
    this.#compare(remote, 'the copy read back has', await this.#readBack(key, signal), sha256);
    return { remote, verifiedBy: 'sha256-read-back' };
  }

  /** The object's full-object SHA-256 as the server keeps it (base64); null when it keeps none. */
  async #storedChecksum(key: string, signal: AbortSignal): Promise<string | null> {
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#target.bucket, Key: key, ChecksumMode: 'ENABLED' }), {
        abortSignal: signal,
      });
      const checksum = head.ChecksumSHA256;
      // A multipart object's checksum is of its parts' checksums ("...-N"), not of the file.
      if (checksum === undefined || head.ChecksumType === 'COMPOSITE' || checksum.includes('-')) return null;
      return checksum;
    } catch (error) {
      throw this.#explain(error, 'HeadObject (verifying the upload)');
    }
  }

  /** The SHA-256 (base64) of the object as the server serves it, streamed through the hash. */
  async #readBack(key: string, signal: AbortSignal): Promise<string> {
    try {
      const object = await this.#client.send(new GetObjectCommand({ Bucket: this.#target.bucket, Key: key }), { abortSignal: signal });
      const hash = createHash('sha256');
      await pipeline(object.Body as Readable, hash, { signal });
      return hash.digest('base64');
    } catch (error) {
      throw this.#explain(error, 'GetObject (reading the upload back)');
    }
  }

  #compare(remote: string, what: string, stored: string, sha256: string): void {
    if (stored !== sha256) throw new UploadError(`${remote}: ${what} SHA-256 ${stored}, the file has ${sha256}; sent again`, false);
  }

  close(): void {
    this.#client.destroy();
  }

  /** No `cause`: an SDK error holds the request, whose signed headers must never reach a log. */
  #explain(error: unknown, during?: string): UploadError {
    const e = (error ?? {}) as SdkError;
    const status = e.$metadata?.httpStatusCode;
    const name = e.name ?? e.code ?? 'Error';
    const said = `${name}${status === undefined ? '' : `, HTTP ${status}`}`;
    const where = during === undefined ? this.name : `${this.name}, ${during}`;
    if (CREDENTIAL_ERRORS.has(name) || status === 401 || status === 403)
      return new UploadError(
        `${where} refused the credentials (${said}): check storage.upload.target.accessKeyId and storage.upload.target.secretAccessKey (PANOPTES_STORAGE_UPLOAD_TARGET_SECRET_ACCESS_KEY), and that the key may write to the bucket${during === undefined ? '' : ' and read back what it wrote (s3:GetObject: a server that answers no SHA-256 checksum is verified by reading the object back)'}`,
        true,
      );
    if (name === 'NoSuchBucket')
      return new UploadError(
        `${where}: the bucket does not exist (${said}); create it or fix storage.upload.target.bucket (and endpoint, forcePathStyle)`,
        true,
      );
    const message = (e.message ?? String(error)).split('\n')[0]?.slice(0, 300) ?? '';
    // No answer (refused, reset, timed out) or a server-side or throttling answer: worth another try.
    // An object not found right after its PUT (a lagging replica, a proxy): sent again.
    const missing = during !== undefined && status === 404;
    const retry = status === undefined || status >= 500 || status === 408 || status === 429 || name === 'BadDigest' || missing;
    return new UploadError(`${where}: ${said}: ${message}`, !retry);
  }
}
