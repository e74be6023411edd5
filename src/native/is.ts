/**
 * Predicates and the one formatter for argument errors on the TypeScript side of the binding; the
 * wording matches native/addon_args.cc so a caller sees one style whichever side caught the mistake.
 */
import { NATIVE_ARGUMENT_CODE } from '../errors.ts';

/** Mirrors `describe` in native/addon_args.cc value for value, so both sides word a mistake alike. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean') return `${String(value)} of type ${typeof value}`;
  if (typeof value === 'string') return `'${value.length > 32 ? `${value.slice(0, 32)}...` : value}' of type string`;
  if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function') return typeof value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    // The spec's own name (a Buffer is a Uint8Array), not the constructor's.
    const typed = value as unknown as { length: number; [Symbol.toStringTag]: string };
    return `${typed[Symbol.toStringTag]} of length ${typed.length}`;
  }
  if (value instanceof ArrayBuffer) return 'ArrayBuffer';
  if (Array.isArray(value)) return 'Array';
  return 'object';
}

export function invalidArgument(name: string, expected: string, value: unknown, range = false): Error {
  const message = `Expected ${expected} for ${name} but received ${describe(value)}`;
  const error = range ? new RangeError(message) : new TypeError(message);
  return Object.assign(error, { code: NATIVE_ARGUMENT_CODE });
}

export function isInteger(value: unknown, lo: number, hi: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= lo && value <= hi;
}

export function checkInteger(name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number') throw invalidArgument(name, 'an integer', value);
  if (!isInteger(value, lo, hi)) throw invalidArgument(name, `an integer between ${lo} and ${hi}`, value, true);
  return value;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw invalidArgument(name, `one of ${allowed.join(', ')}`, value);
  return value as T;
}

/** An options bag: any non-null object (the fields are checked one by one where they are used). */
export function checkObject<T extends object>(name: string, value: T | null | undefined): T {
  if (typeof value !== 'object' || value === null) throw invalidArgument(name, 'an object', value);
  return value;
}

/** Three finite numbers (a per-channel mean or std); `nonZero` also refuses 0. */
export function checkTriple(name: string, value: unknown, nonZero = false): [number, number, number] {
  const ok =
    Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number' && Number.isFinite(v) && (!nonZero || v !== 0));
  if (!ok) {
    throw invalidArgument(name, `an array of 3 finite${nonZero ? ' non-zero' : ''} numbers`, value, Array.isArray(value));
  }
  return value as [number, number, number];
}
