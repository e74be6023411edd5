/**
 * Handlers that a library calls from its own stack (mqtt.js's connect, message and PUBACK callbacks):
 * an exception thrown there is uncaught and ends the process, so each one is wrapped, and a failure is
 * counted and logged instead. A failure that repeats on every PUBACK must not become a log line an event:
 * the first ten are logged, then every thousandth.
 */
import type { Logger } from 'pino';

export class CallbackGuard {
  readonly #log: Logger;
  readonly #message: string;
  #failures = 0;

  constructor(log: Logger, message: string) {
    this.#log = log;
    this.#message = message;
  }

  get failures(): number {
    return this.#failures;
  }

  wrap<A extends unknown[]>(callback: string, handler: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        handler(...args);
      } catch (error) {
        this.failed(callback, error);
      }
    };
  }

  failed(callback: string, error: unknown): void {
    this.#failures += 1;
    const n = this.#failures;
    if (n <= 10 || n % 1000 === 0) this.#log.error({ err: error, callback, failures: n }, this.#message);
  }
}
