/**
 * S3 and S3-compatible servers (MinIO, Ceph RGW, R2, Garage, ...) through @aws-sdk/client-s3: one
 * PutObject a file, streamed from disk with its length, carrying `x-amz-checksum-sha256` (the file's
 * SHA-256, AWS "Checking object integrity"). A server that supports additional checksums verifies the
 * body against it, refuses a mismatch (BadDigest) and answers the checksum back, which is compared
 * here. A server that does not (older MinIO and Ceph, s3rver) answers the ETag of a single PUT, which is
 * the MD5 of the body (documented for objects that are not multipart or SSE-KMS encrypted): that is
 * compared instead. The SDK's own retries are off: the upload queue retries with its backoff, and a
 * streamed body cannot be replayed by the SDK anyway.
 */
import { createReadStream } from 'node:fs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
    let answer: { ChecksumSHA256?: string | undefined; ETag?: string | undefined };
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
      if (answer.ChecksumSHA256 !== sha256)
        throw new UploadError(`${remote}: the server stored SHA-256 ${answer.ChecksumSHA256}, the file has ${sha256}; sent again`, false);
      return { remote, verifiedBy: 'sha256-response' };
    }
    const etag = answer.ETag?.replaceAll('"', '');
    if (etag === file.digest.md5) return { remote, verifiedBy: 'md5-etag' };
    throw new UploadError(
      `${remote}: the server answered neither the SHA-256 checksum nor an MD5 ETag of the file (ETag ${etag ?? 'none'}), so the upload cannot be verified; sent again`,
      false,
    );
  }

  close(): void {
    this.#client.destroy();
  }

  /** No `cause`: an SDK error holds the request, whose signed headers must never reach a log. */
  #explain(error: unknown): UploadError {
    const e = (error ?? {}) as SdkError;
    const status = e.$metadata?.httpStatusCode;
    const name = e.name ?? e.code ?? 'Error';
    const said = `${name}${status === undefined ? '' : `, HTTP ${status}`}`;
    const where = this.name;
    if (CREDENTIAL_ERRORS.has(name) || status === 401 || status === 403)
      return new UploadError(
        `${where} refused the credentials (${said}): check storage.upload.target.accessKeyId and storage.upload.target.secretAccessKey (PANOPTES_STORAGE_UPLOAD_TARGET_SECRET_ACCESS_KEY), and that the key may write to the bucket`,
        true,
      );
    if (name === 'NoSuchBucket')
      return new UploadError(
        `${where}: the bucket does not exist (${said}); create it or fix storage.upload.target.bucket (and endpoint, forcePathStyle)`,
        true,
      );
    const message = (e.message ?? String(error)).split('\n')[0]?.slice(0, 300) ?? '';
    // No answer (refused, reset, timed out) or a server-side or throttling answer: worth another try.
    const retry = status === undefined || status >= 500 || status === 408 || status === 429 || name === 'BadDigest';
    return new UploadError(`${where}: ${said}: ${message}`, !retry);
  }
}
