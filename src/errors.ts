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

/**
 * Codes thrown by the native addon itself (TypeError/RangeError with this `code`), listed here so the
 * documentation test covers them too.
 */
export const NATIVE_ARGUMENT_CODE = 'E_NATIVE_ARG';

export const ERROR_CODES = ['E_NATIVE_LOAD', 'E_SIMD_UNSUPPORTED', NATIVE_ARGUMENT_CODE, 'E_SECRET_MISSING'] as const;
