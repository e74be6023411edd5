/** The one pino logger; modules take child loggers ({ camera: 'gate' }, { module: 'native' }). */
import { pino, type Logger, type LoggerOptions } from 'pino';
import { maskUrlsInText } from './ingest/mask-url.ts';

/**
 * Call sites mask URLs themselves (`url: maskUrl(...)`); this is the net under them: message strings
 * and logged errors pass through the masking function too, so a URL inside an error from a library
 * (mqtt.js, a spawn failure) cannot leak its credentials into the log.
 */
export const maskingLogOptions: Pick<LoggerOptions, 'hooks' | 'serializers'> = {
  hooks: {
    logMethod(args, method) {
      method.apply(this, args.map((arg: unknown) => (typeof arg === 'string' ? maskUrlsInText(arg) : arg)) as Parameters<typeof method>);
    },
  },
  serializers: {
    err: (err: Error) => {
      const out = pino.stdSerializers.err(err);
      return { ...out, message: maskUrlsInText(out.message), ...(out.stack === undefined ? {} : { stack: maskUrlsInText(out.stack) }) };
    },
  },
};

function createLogger(): Logger {
  const level = process.env['PANOPTES_LOG_LEVEL'] ?? 'info';
  // Human-readable in a terminal, JSON lines everywhere else (files, journald, CI).
  if (process.stdout.isTTY && process.env['PANOPTES_LOG_FORMAT'] !== 'json') {
    return pino({
      level,
      ...maskingLogOptions,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino({ level, ...maskingLogOptions });
}

export const log: Logger = createLogger();
