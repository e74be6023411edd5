/**
 * Reads a request body with a size limit and parses it as JSON. The limit is enforced twice: a
 * Content-Length above it is refused before a byte is read, and a chunked body is refused as soon as
 * the bytes received pass it, so a client can never make the gateway buffer more than the limit.
 */
import { RequestError } from '../../errors.ts';
import type { ResponseHandle } from './response.ts';

export function tooLarge(limitBytes: number): RequestError {
  return new RequestError('E_BODY_TOO_LARGE', `Request body is larger than the limit of ${limitBytes} bytes (http.bodyLimitBytes)`);
}

/** Resolves with the whole body; rejects with E_BODY_TOO_LARGE, or when the client aborts. */
export function readBody(response: ResponseHandle, contentLength: string, limitBytes: number): Promise<Buffer> {
  const declared = contentLength === '' ? undefined : Number(contentLength);
  if (declared !== undefined && !(Number.isSafeInteger(declared) && declared >= 0)) {
    return Promise.reject(new RequestError('E_BAD_REQUEST', 'Content-Length is not a byte count'));
  }
  if (declared !== undefined && declared > limitBytes) return Promise.reject(tooLarge(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let refused = false;
    response.onAbort(() => reject(new RequestError('E_BAD_REQUEST', 'The client aborted the request')));
    response.raw.onData((chunk, isLast) => {
      if (refused) return;
      received += chunk.byteLength;
      if (received > limitBytes) {
        refused = true;
        reject(tooLarge(limitBytes));
        return;
      }
      // uWS neuters the chunk when this callback returns: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (isLast) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    });
  });
}

/** An empty body is `undefined`; anything else must be JSON (400 with the parser's complaint). */
export function parseJson(body: Buffer): unknown {
  if (body.byteLength === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    // V8's message quotes the text around the fault, which may be a password: report the position only.
    const text = (error as Error).message;
    const position = /position (\d+)/.exec(text)?.[1];
    const where = position !== undefined ? ` (error at byte ${position})` : /end of JSON/.test(text) ? ' (it ends early)' : '';
    throw new RequestError('E_BAD_REQUEST', 'Request body is not valid JSON', [`(root): expected JSON${where}`]);
  }
}
