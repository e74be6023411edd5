/**
 * The one place error codes become HTTP statuses, and the one shape of an error body:
 * `{ error: { code, message, problems? } }`. Anything that is not a known PanoptesError is a 500 whose
 * body says nothing of the cause (it may hold a path, a URL or a secret); the log has it. While the
 * site stops, such a failure is a 503 E_STOPPING instead: the cause is the stop, not a fault.
 */
import { ConfigError, PanoptesError, RequestError, type RequestErrorCode, StoppingError } from '../../errors.ts';

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  E_BAD_REQUEST: 400,
  E_CONFIG_INVALID: 400,
  E_SECRET_MISSING: 400,
  E_UNAUTHORIZED: 401,
  E_NOT_FOUND: 404,
  E_CAMERA_NOT_FOUND: 404,
  E_METHOD_NOT_ALLOWED: 405,
  E_CAMERA_EXISTS: 409,
  E_CAMERA_DISABLED: 409,
  E_BODY_TOO_LARGE: 413,
  E_RANGE_NOT_SATISFIABLE: 416,
  E_BUSY: 503,
  E_STOPPING: 503,
  E_INTERNAL: 500,
} satisfies Record<
  RequestErrorCode | 'E_CONFIG_INVALID' | 'E_SECRET_MISSING' | 'E_CAMERA_NOT_FOUND' | 'E_CAMERA_EXISTS' | 'E_CAMERA_DISABLED',
  number
>;

export interface ErrorBody {
  error: { code: string; message: string; problems?: string[] };
}

export interface MappedError {
  status: number;
  body: ErrorBody;
  /** True when the cause is ours, not the client's: the caller logs it. */
  internal: boolean;
}

/** Seconds a client should wait before asking again (`Retry-After`): a stopping gateway is usually restarted by its supervisor. */
const RETRY_AFTER_BY_CODE: Readonly<Record<string, number>> = { E_STOPPING: 10 };

export function statusOf(code: string): number | undefined {
  return STATUS_BY_CODE[code];
}

export function retryAfterOf(code: string): number | undefined {
  return RETRY_AFTER_BY_CODE[code];
}

/**
 * `stopping`: the site is stopping, so a failure that is not a known PanoptesError (a closed database
 * read by a request that passed the site's check just before the stop began) is E_STOPPING, not a 500.
 */
export function mapError(error: unknown, stopping = false): MappedError {
  const status = error instanceof PanoptesError ? statusOf(error.code) : undefined;
  if (!(error instanceof PanoptesError) || status === undefined || status === 500) {
    if (stopping) return mapError(new StoppingError());
    return {
      status: 500,
      internal: true,
      body: { error: { code: 'E_INTERNAL', message: 'Internal error; the gateway log has the cause' } },
    };
  }
  const problems = error instanceof RequestError || error instanceof ConfigError ? [...error.problems] : [];
  // ConfigError's message repeats the problems after a file-oriented preamble; an API client wants them as a list.
  const message = error instanceof ConfigError ? 'Invalid camera configuration' : error.message;
  return { status, internal: false, body: { error: { code: error.code, message, ...(problems.length > 0 ? { problems } : {}) } } };
}
