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

/** A detector's model file does not exist (start-up error for the cameras that use it). */
export class ModelMissingError extends PanoptesError {
  constructor(message: string) {
    super('E_MODEL_MISSING', message);
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
    super('E_BACKEND_UNKNOWN', `Unknown detector backend type '${type}': expected one of ${known.map((k) => `'${k}'`).join(', ')} (config key inference.backend.type)`);
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
    super('E_CONFIG_INVALID', `Invalid configuration in ${source} (${count}; fix them, then check with \`panoptes config check FILE\`):\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/**
 * Codes thrown by the native addon itself (TypeError/RangeError with this `code`), listed here so the
 * documentation test covers them too.
 */
export const NATIVE_ARGUMENT_CODE = 'E_NATIVE_ARG';

export const ERROR_CODES = ['E_NATIVE_LOAD', 'E_SIMD_UNSUPPORTED', NATIVE_ARGUMENT_CODE, 'E_SECRET_MISSING',
  'E_MODEL_MISSING', 'E_MODEL_INVALID', 'E_LABELS_INVALID', 'E_DETECTOR_INPUT', 'E_BACKEND_UNKNOWN', 'E_CONFIG_INVALID'] as const;
