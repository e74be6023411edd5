/**
 * Every Panoptes error has a stable `code`; the message says what was wrong and how to fix it.
 * Codes are listed in the README ("Error codes") and pinned by test/errors.test.ts.
 */
export class PanoptesError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The native addon could not be loaded from any location. */
export class NativeLoadError extends PanoptesError {
  constructor(message: string) {
    super('E_NATIVE_LOAD', message);
  }
}

/** A SIMD level was requested that this build or CPU cannot run. */
export class SimdUnsupportedError extends PanoptesError {
  constructor(message: string) {
    super('E_SIMD_UNSUPPORTED', message);
  }
}

/** A camera URL refers to `${VAR}` and that environment variable is not set (src/ingest/secrets.ts). */
export class MissingSecretError extends PanoptesError {
  constructor(variable: string, camera: string) {
    super(
      'E_SECRET_MISSING',
      `camera '${camera}' refers to \${${variable}} but that environment variable is not set; set it or remove the reference`,
    );
  }
}

/** No ffmpeg that runs: the configured path fails, or neither the system nor the npm binary works. */
export class FfmpegMissingError extends PanoptesError {
  constructor(message: string) {
    super('E_FFMPEG_MISSING', message);
  }
}

/**
 * `panoptes probe` could not describe a stream. `kind` is the ingest failure class ffmpeg's output was
 * read as (IngestErrorKind of src/ingest/progress.ts: unauthorized, not_found, refused, timeout, ...).
 */
export class ProbeError extends PanoptesError {
  readonly kind: string;

  constructor(kind: string, detail: string) {
    super(
      'E_PROBE_FAILED',
      `Probing the stream failed (${kind}): ${detail}; check the URL, its credentials and that the camera is reachable`,
    );
    this.kind = kind;
  }
}

/** A scene needs a photo or clip that is not on this machine (src/scenes/opencv-media.ts). */
export class SceneMediaMissingError extends PanoptesError {
  constructor(file: string, fix: string) {
    super('E_MEDIA_MISSING', `${file} is missing: run '${fix}' (npm test runs it) to extract the scene media`);
  }
}

/** A detector's model file does not exist (start-up error for the cameras that use it). */
export class ModelMissingError extends PanoptesError {
  constructor(message: string, options?: ErrorOptions) {
    super('E_MODEL_MISSING', message, options);
  }
}

/** A detector's model file is not a model the backend can run (not ONNX, or unsupported shapes). */
export class ModelInvalidError extends PanoptesError {
  constructor(message: string, options?: ErrorOptions) {
    super('E_MODEL_INVALID', message, options);
  }
}

/** A detector labels file is missing, empty or has blank lines between names. */
export class LabelsInvalidError extends PanoptesError {
  constructor(message: string, options?: ErrorOptions) {
    super('E_LABELS_INVALID', message, options);
  }
}

/** A detector was handed a crop that does not match the tensor it asked for (a wiring bug). */
export class DetectorInputError extends PanoptesError {
  constructor(message: string) {
    super('E_DETECTOR_INPUT', message);
  }
}

/** The inference config names a backend `type` that no module provides. */
export class BackendUnknownError extends PanoptesError {
  constructor(type: string, known: readonly string[]) {
    super(
      'E_BACKEND_UNKNOWN',
      `Unknown detector backend type '${type}': expected one of ${known.map((k) => `'${k}'`).join(', ')} (config key inference.backend.type)`,
    );
  }
}

/**
 * The site config is not valid: `problems` lists every one as `path: message`
 * (`cameras[3].ai.fps: expected a number > 0`), never the first only, and never a secret's value.
 */
export class ConfigError extends PanoptesError {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      'E_CONFIG_INVALID',
      `Invalid configuration in ${source} (${count}; fix them, then check with \`panoptes config check FILE\`):\n  ${problems.join('\n  ')}`,
    );
    this.problems = problems;
  }
}

/** The embedded MQTT broker could not listen on its port (in use, or not allowed). */
export class MqttListenError extends PanoptesError {
  constructor(host: string, port: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'E_MQTT_LISTEN',
      `The embedded MQTT broker could not listen on ${host}:${port} (${reason}); choose a free port with mqtt.embeddedPort or use an external broker with mqtt.url`,
      { cause },
    );
  }
}

/** The MQTT outbox directory or file cannot be created, read or written. */
export class MqttOutboxError extends PanoptesError {
  constructor(path: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'E_MQTT_OUTBOX',
      `The MQTT event outbox at ${path} cannot be used (${reason}); make the directory writable or set mqtt.outbox.dir`,
      { cause },
    );
  }
}

/** A directory setting names a directory that cannot be created or written (checked at start). */
export class DirectoryUnusableError extends PanoptesError {
  constructor(setting: string, dir: string, reason: string) {
    super(
      'E_DIRECTORY_UNUSABLE',
      `${setting} (${dir}) cannot be used: ${reason}; set ${setting} to a directory the gateway's user can create and write`,
    );
  }
}

/** The events database (storage.dir) cannot be opened, migrated or written. */
export class StorageError extends PanoptesError {
  constructor(file: string, reason: string, fix: string, options?: ErrorOptions) {
    super('E_STORAGE', `The events database ${file} cannot be used: ${reason}; ${fix}`, options);
  }
}

/**
 * An upload to `storage.upload.target` failed. `permanent`: trying again cannot help until the config
 * or the target changes (refused credentials, a missing bucket, PUT not allowed); the upload is marked
 * failed at once. Otherwise it is retried with backoff. The message never holds a credential.
 */
export class UploadError extends PanoptesError {
  readonly permanent: boolean;

  constructor(message: string, permanent: boolean, options?: ErrorOptions) {
    super('E_UPLOAD', message, options);
    this.permanent = permanent;
  }
}

/** An MQTT control message had a malformed topic or payload; it is answered on <prefix>/control/replies. */
export class MqttControlInvalidError extends PanoptesError {
  constructor(message: string) {
    super('E_MQTT_CONTROL_INVALID', message);
  }
}

/** A camera id that the site does not have (HTTP 404). */
export class CameraNotFoundError extends PanoptesError {
  constructor(id: string) {
    super('E_CAMERA_NOT_FOUND', `No camera with id '${id}'; GET /api/v1/cameras lists the cameras`);
  }
}

/** Adding a camera whose id (or channel) is already taken (HTTP 409). */
export class CameraExistsError extends PanoptesError {
  constructor(message: string) {
    super('E_CAMERA_EXISTS', message);
  }
}

/** A camera that exists but is disabled in the config (or stopped at runtime) cannot be watched live. */
export class CameraDisabledError extends PanoptesError {
  constructor(id: string) {
    super(
      'E_CAMERA_DISABLED',
      `Camera '${id}' is disabled or its stream is stopped; POST /api/v1/cameras/${id}/enable (or POST /api/v1/streams/${id}/start) to watch it live`,
    );
  }
}

/** uWebSockets.js (the HTTP/WebSocket server) has no native build this platform can load. */
export class UwsLoadError extends PanoptesError {
  constructor(message: string) {
    super('E_UWS_LOAD', message);
  }
}

/**
 * A request the HTTP or WebSocket API refuses. `code` picks the HTTP status
 * (src/outputs/http/status.ts); `problems` lists what was wrong with a body as `path: message`.
 */
export class RequestError extends PanoptesError {
  readonly problems: readonly string[];

  constructor(code: RequestErrorCode, message: string, problems: readonly string[] = []) {
    super(code, message);
    this.problems = problems;
  }
}

/** A 405: the path exists for other methods, which `allowed` lists for the `Allow` header. */
export class MethodNotAllowedError extends RequestError {
  readonly allowed: readonly string[];

  constructor(allowed: readonly string[]) {
    super('E_METHOD_NOT_ALLOWED', `Method not allowed here; use ${allowed.join(' or ')}`);
    this.allowed = allowed;
  }
}

/** A Range header asked for bytes outside a file of `size` bytes (HTTP 416 with `Content-Range: bytes *\/size`). */
export class RangeNotSatisfiableError extends RequestError {
  readonly size: number;

  constructor(size: number) {
    super(
      'E_RANGE_NOT_SATISFIABLE',
      `The Range header asks for bytes outside the file (${size} bytes); ask within bytes=0-${Math.max(0, size - 1)}`,
    );
    this.size = size;
  }
}

/**
 * The gateway is stopping (SIGTERM): its database, recordings and uploads are closing or closed, so a
 * request that needs them is refused with HTTP 503 and `Retry-After` rather than failing inside.
 */
export class StoppingError extends RequestError {
  constructor() {
    super('E_STOPPING', 'The gateway is stopping; retry once it is running again');
  }
}

/** The codes a RequestError may carry; each has an HTTP status in src/outputs/http/status.ts. */
export const REQUEST_ERROR_CODES = [
  'E_BAD_REQUEST',
  'E_UNAUTHORIZED',
  'E_NOT_FOUND',
  'E_METHOD_NOT_ALLOWED',
  'E_BODY_TOO_LARGE',
  'E_RANGE_NOT_SATISFIABLE',
  'E_BUSY',
  'E_STOPPING',
  'E_INTERNAL',
] as const;
export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];

/** A valid MQTT control request failed for a reason that is not the requester's (details in the log). */
export class MqttControlFailedError extends PanoptesError {
  constructor(action: string, camera: string) {
    super('E_MQTT_CONTROL_FAILED', `The ${action} of camera '${camera}' failed inside the gateway; see the gateway log for the cause`);
  }
}

/**
 * Codes thrown by the native addon itself (TypeError/RangeError with this `code`), listed here so the
 * documentation test covers them too.
 */
export const NATIVE_ARGUMENT_CODE = 'E_NATIVE_ARG';

export const ERROR_CODES = [
  'E_NATIVE_LOAD',
  'E_SIMD_UNSUPPORTED',
  NATIVE_ARGUMENT_CODE,
  'E_SECRET_MISSING',
  'E_FFMPEG_MISSING',
  'E_PROBE_FAILED',
  'E_MEDIA_MISSING',
  'E_MODEL_MISSING',
  'E_MODEL_INVALID',
  'E_LABELS_INVALID',
  'E_DETECTOR_INPUT',
  'E_BACKEND_UNKNOWN',
  'E_CONFIG_INVALID',
  'E_UPLOAD',
  'E_DIRECTORY_UNUSABLE',
  'E_STORAGE',
  'E_MQTT_LISTEN',
  'E_MQTT_OUTBOX',
  'E_MQTT_CONTROL_INVALID',
  'E_MQTT_CONTROL_FAILED',
  'E_CAMERA_NOT_FOUND',
  'E_CAMERA_EXISTS',
  'E_CAMERA_DISABLED',
  'E_LIVE_SOURCE',
  'E_UWS_LOAD',
  ...REQUEST_ERROR_CODES,
] as const;
