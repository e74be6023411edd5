/** `panoptes <command>`: each command is a thin wrapper over the modules in src/. */
import { parseArgs } from 'node:util';
import { log } from '../log.ts';
import { CONFIG_HELP, runConfigCommand } from './config-check.ts';
import { runDemo } from './demo.ts';

const HELP = `Usage: panoptes <command> [options]

Commands:
  demo     Run the embedded default: synthetic cameras through ingest, rings and channel workers
           --cameras N         how many (default 4)
           --duration SECONDS  stop after this long (default: run until Ctrl-C)
           --size WxH          analysis size (default 640x360)
           --fps N             frame rate (default 5)
${CONFIG_HELP}

Options:
  -h, --help  show this help`;

function parseSize(value: string): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/.exec(value);
  if (!match) throw new Error(`--size must look like 640x360, got '${value}'`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      duration: { type: 'string', default: '0' },
      size: { type: 'string', default: '640x360' },
      fps: { type: 'string', default: '5' },
      cameras: { type: 'string', default: '4' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.log(HELP);
    return command === undefined && !values.help ? 1 : 0;
  }
  if (command === 'config') return runConfigCommand(positionals.slice(1));
  if (command === 'demo') {
    const duration = Number(values.duration);
    const fps = Number(values.fps);
    if (!Number.isFinite(duration) || duration < 0) throw new Error('--duration must be a number of seconds >= 0');
    if (!Number.isInteger(fps) || fps < 1 || fps > 120) throw new Error('--fps must be an integer from 1 to 120');
    const cameras = Number(values.cameras);
    if (!Number.isInteger(cameras) || cameras < 1 || cameras > 512) throw new Error('--cameras must be an integer from 1 to 512');
    await runDemo({ duration, fps, cameras, ...parseSize(values.size) });
    return 0;
  }
  console.error(`Unknown command '${command}'.\n\n${HELP}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    log.error({ err }, (err as Error).message);
    process.exitCode = 1;
  },
);
