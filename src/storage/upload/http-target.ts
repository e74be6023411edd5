/**
 * Any HTTP server that takes a PUT (WebDAV, nginx's dav module, an object store's REST API, your own
 * endpoint): each file is PUT to the URL template with its length and its SHA-256 in the RFC 9530
 * headers `Content-Digest` and `Repr-Digest` (`sha-256=:<base64>:`; identical, as nothing is
 * content-encoded). A server that checks them refuses a mismatch; one that answers `Repr-Digest` has
 * its answer compared; for one that does neither (a plain WebDAV store), the file is read back with GET
 * and its SHA-256 compared, which costs a second transfer but proves what is stored. Plain node:http,
 * so a stalled or killed server is seen as the socket's error and nothing else sits in between.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { HttpTarget } from '../../config/upload-schema.ts';
import { UploadError } from '../../errors.ts';
import { maskUrl } from '../../ingest/mask-url.ts';
import { hexToBase64, type UploadFile, type UploadResult, type UploadTargetClient } from './target.ts';

const CREDENTIALS_HINT = 'check storage.upload.target.token and storage.upload.target.headers';
const PUT_HINT = 'allow PUT at that URL (nginx: dav_methods PUT; create_full_put_path on) or fix storage.upload.target.url';

export class HttpUploadTarget implements UploadTargetClient {
  readonly name: string;
  readonly #target: HttpTarget;

  constructor(target: HttpTarget) {
    this.#target = target;
    this.name = maskUrl(withoutQuery(target.url));
  }

  /** The template filled in for the file; each value URL-encoded (the key's slashes kept). */
  urlFor(file: UploadFile): URL {
    const values: Record<string, string> = {
      key: file.key.split('/').map(encodeURIComponent).join('/'),
      camera: encodeURIComponent(file.camera),
      date: file.date,
      event: encodeURIComponent(file.eventId),
      kind: file.kind,
      ext: file.ext,
    };
    return new URL(this.#target.url.replace(/\{(key|camera|date|event|kind|ext)\}/g, (_, name: string) => values[name] ?? ''));
  }

  async put(file: UploadFile, signal: AbortSignal): Promise<UploadResult> {
    const url = this.urlFor(file);
    const remote = maskUrl(withoutQuery(url.href));
    const digest = `sha-256=:${hexToBase64(file.digest.sha256)}:`;
    const put = await this.#send(url, 'PUT', signal, createReadStream(file.path), {
      'content-type': file.contentType,
      'content-length': file.digest.bytes,
      'content-digest': digest,
      'repr-digest': digest,
    });
    put.resume();
    this.#check(put, remote, 'PUT');
    const answered = sha256Of(put.headers['repr-digest']);
    if (answered !== null) {
      if (answered !== hexToBase64(file.digest.sha256))
        throw new UploadError(`${remote}: the server answered SHA-256 ${answered}, the file has ${digest}; sent again`, false);
      return { remote, verifiedBy: 'sha256-response' };
    }
    const get = await this.#send(url, 'GET', signal, null, {});
    if (get.statusCode !== 200) get.resume();
    this.#check(get, remote, 'GET (reading the upload back)');
    const hash = createHash('sha256');
    await pipeline(get, hash);
    const stored = hash.digest('hex');
    if (stored !== file.digest.sha256)
      throw new UploadError(`${remote}: the copy read back has SHA-256 ${stored}, the file has ${file.digest.sha256}; sent again`, false);
    return { remote, verifiedBy: 'sha256-read-back' };
  }

  close(): void {}

  #send(url: URL, method: string, signal: AbortSignal, body: Readable | null, extra: OutgoingHttpHeaders): Promise<IncomingMessage> {
    const headers: OutgoingHttpHeaders = { ...extra };
    for (const [name, value] of Object.entries(this.#target.headers)) headers[name.toLowerCase()] = value.reveal();
    if (this.#target.token !== undefined) headers['authorization'] = `Bearer ${this.#target.token.reveal()}`;
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const fail = (error: unknown) => reject(this.#network(error, url));
      const request = client.request(url, { method, headers, signal }, resolve);
      request.on('error', fail);
      // A server may answer (401, 413) before it reads the body; the answer wins over the broken pipe.
      if (body) pipeline(body, request).catch(fail);
      else request.end();
    });
  }

  #check(response: IncomingMessage, remote: string, what: string): void {
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return;
    const said = `${what} answered HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`;
    if (status === 401 || status === 403) throw new UploadError(`${remote} refused the credentials (${said}): ${CREDENTIALS_HINT}`, true);
    if (status === 404 || status === 405 || status === 409 || status === 501)
      throw new UploadError(`${remote}: ${said}; ${PUT_HINT}`, true);
    const retry = status >= 500 || status === 408 || status === 429;
    throw new UploadError(`${remote}: ${said}`, !retry);
  }

  #network(error: unknown, url: URL): UploadError {
    const e = error as NodeJS.ErrnoException;
    const reason = e.name === 'AbortError' ? 'timed out (storage.upload.timeoutSeconds) or stopped' : (e.code ?? e.message);
    return new UploadError(`${maskUrl(withoutQuery(url.href))}: the connection failed (${reason})`, false);
  }
}

function withoutQuery(url: string): string {
  return url.replace(/[?#].*$/, '');
}

/** The base64 SHA-256 of an RFC 9530 `Repr-Digest` answer (`sha-256=:...:`, among others); null when absent. */
function sha256Of(header: string | string[] | undefined): string | null {
  const text = Array.isArray(header) ? header.join(',') : header;
  const match = text === undefined ? null : /(?:^|,)\s*sha-256=:([A-Za-z0-9+/=]+):/i.exec(text);
  return match?.[1] ?? null;
}
