/**
 * A secret from the config (an API token, the MQTT password): the value is reachable only through
 * `reveal()`, and every way an object is usually printed (JSON.stringify, util.inspect, pino, template
 * strings) shows `***` instead, so a logged or returned config never carries it.
 */
import { inspect } from 'node:util';
import { z } from 'zod';

const REDACTED = '***';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself; call it only where the secret is used (a comparison, a connect call). */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

/**
 * A secret field: a `${VAR}` reference (resolved from the environment when the config is loaded) or,
 * discouraged, the value itself. Parsed into a Secret, which never prints its value.
 */
export const secretSchema = z
  .string()
  .min(1)
  .transform((value) => new Secret(value))
  .describe('A secret: write ${VAR} to read it from the environment variable VAR.');
