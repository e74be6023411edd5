/** `panoptes <command>`: each command is a thin wrapper over the modules in src/. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.ts';
import { resolveFfmpeg } from '../ingest/ffmpeg-path.ts';
import { PanoptesError } from '../errors.ts';
import { maskUrl } from '../ingest/mask-url.ts';
import { probeStream } from '../ingest/probe.ts';
import { log } from '../log.ts';
import { CONFIG_HELP, runConfigCommand } from './config-check.ts';
import { runDemo } from './demo.ts';
import { MODELS_HELP, runModelsCommand } from './models.ts';
import { runUntilSignal, startSite } from './run-site.ts';

const HELP = `Usage: panoptes <command> [options]

Commands:
  start --config FILE  Run a site from its YAML config until SIGTERM/SIGINT (SIGHUP reloads the file)
           --duration SECONDS  stop after this long (default: run until a signal)
  demo     Run the embedded default (config/demo.yaml): cameras looping scenes of people cut from real
           photos (rendered into data/demo/ on first start), the shipped NanoDet detector, the embedded
           MQTT broker, the API and WebSocket on localhost
           --cameras N         how many (default 4; more cycle through the same scenes)
           --duration SECONDS  stop after this long (default: run until Ctrl-C)
           --size WxH          analysis size (default 640x360)
           --fps N             analysis rate (default 5)
  probe URL
           Print a stream's codec, size and rate as JSON (credentials may be \${VAR} references)
  bench [SCENARIO...] [--quick] [--json FILE] [--compare OLD.json] [--markdown] [--results-dir DIR]
           Run the benchmarks (same as npm run bench; npm run bench -- --help lists every option)
${CONFIG_HELP}
${MODELS_HELP}

Options:
  -h, --help  show this help`;

function parseSize(value: string): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/.exec(value);
  if (!match) throw new Error(`--size must look like 640x360, got '${value}'`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

function parseDuration(value: string): number {
  const duration = Number(value);
  if (!Number.isFinite(duration) || duration < 0) throw new Error('--duration must be a number of seconds >= 0');
  return duration;
}

async function demo(values: Record<string, string | boolean | undefined>): Promise<number> {
  const fps = Number(values['fps'] ?? 5);
  if (!Number.isInteger(fps) || fps < 1 || fps > 120) throw new Error('--fps must be an integer from 1 to 120');
  const cameras = Number(values['cameras'] ?? 4);
  if (!Number.isInteger(cameras) || cameras < 1 || cameras > 512) throw new Error('--cameras must be an integer from 1 to 512');
  await runDemo({
    duration: parseDuration(String(values['duration'] ?? '0')),
    fps,
    cameras,
    ...parseSize(String(values['size'] ?? '640x360')),
  });
  return 0;
}

async function start(values: Record<string, string | boolean | undefined>): Promise<number> {
  const file = values['config'];
  if (typeof file !== 'string') {
    console.error('Usage: panoptes start --config FILE [--duration SECONDS]');
    return 1;
  }
  const config = await loadConfig(file);
  if (process.env['PANOPTES_LOG_LEVEL'] === undefined) log.level = config.gateway.logLevel;
  const running = await startSite(config, log);
  await runUntilSignal(running, log, { configFile: file, durationS: parseDuration(String(values['duration'] ?? '0')) });
  return 0;
}

async function probe(url: string | undefined): Promise<number> {
  if (url === undefined) {
    console.error('Usage: panoptes probe URL');
    return 1;
  }
  const info = await probeStream(url, { ffmpeg: resolveFfmpeg() });
  console.log(JSON.stringify({ url: maskUrl(url), ...info }));
  return 0;
}

function bench(args: string[]): number {
  const runner = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
  return spawnSync(process.execPath, ['--import', 'tsx', runner, ...args], { stdio: 'inherit' }).status ?? 1;
}

async function main(argv: string[]): Promise<number> {
  // bench takes its own options.
  if (argv[0] === 'bench') return bench(argv.slice(1));
  if (argv[0] === 'models') return runModelsCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      config: { type: 'string' },
      duration: { type: 'string' },
      size: { type: 'string' },
      fps: { type: 'string' },
      cameras: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.log(HELP);
    return command === undefined && !values.help ? 1 : 0;
  }
  if (command === 'config') return runConfigCommand(positionals.slice(1));
  if (command === 'demo') return demo(values);
  if (command === 'start') return start(values);
  if (command === 'probe') return probe(positionals[1]);
  console.error(`Unknown command '${command}'.\n\n${HELP}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A coded error already says what to fix; its stack would only bury that line.
    if (err instanceof PanoptesError) log.error({ code: err.code }, err.message);
    else log.error({ err }, (err as Error).message);
    process.exitCode = 1;
  },
);
