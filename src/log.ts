/** The one pino logger; modules take child loggers ({ camera: 'gate' }, { module: 'native' }). */
import { pino, type Logger } from 'pino';

function createLogger(): Logger {
  const level = process.env['PANOPTES_LOG_LEVEL'] ?? 'info';
  // Human-readable in a terminal, JSON lines everywhere else (files, journald, CI).
  if (process.stdout.isTTY && process.env['PANOPTES_LOG_FORMAT'] !== 'json') {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino({ level });
}

export const log: Logger = createLogger();
