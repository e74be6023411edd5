/**
 * The bench command line: `npm run bench -- [SCENARIO...] [options]` (= `panoptes bench ...`). Every
 * option is checked here, at the edge, so a typo fails before minutes of benchmarking rather than after.
 */

/** A wrong command line; the message says what was wrong and ends with the usage. */
export class BenchUsageError extends Error {
  readonly code = 'E_BENCH_USAGE';
}

export type DensitySource = 'synthetic' | 'rtsp';

/** density's options as given; density.ts fills in the defaults. */
export interface DensityArgs {
  source?: DensitySource;
  width?: number;
  height?: number;
  fps?: number;
  holdS?: number;
  budgetMs?: number;
  from?: number;
  step?: number;
  max?: number;
  workers?: number[];
}

export interface BenchArgs {
  names: string[];
  quick: boolean;
  json?: string;
  compare?: string;
  markdown: boolean;
  resultsDir?: string;
  density: DensityArgs;
  model?: string;
  /** The detect scenario's camera counts, instead of its full ramp. */
  levels?: number[];
  /** `--hold`, also kept in density's options: the site scenario takes it too. */
  holdS?: number;
  /** The site scenario's CPU profiles of the gateway. */
  profile: boolean;
  help: boolean;
}

/** The RTSP fixture (bench/fixtures/pipeline-rtsp.ts) serves and analyses this frame only. */
export const RTSP_FRAME = { width: 640, height: 360, fps: 5 } as const;

const DENSITY_OPTIONS = ['--source', '--size', '--fps', '--hold', '--budget', '--from', '--step', '--max', '--workers'];

export function usage(names: readonly string[]): string {
  return [
    `usage: npm run bench -- [${names.join('|')}]... [options]   (same as: panoptes bench ...)`,
    '  no scenario: run them all',
    '  --quick             every scenario at a tiny size (CI: keeps the harness working; numbers mean nothing)',
    "  --json FILE         write every scenario's results, the uniform cases and the machine facts to FILE",
    "  --compare OLD.json  print old and new medians, delta % and flag changes beyond the runs' own noise",
    '  --markdown          print the results (and the comparison) as markdown tables',
    "  --results-dir DIR   where <scenario>-<date>.json (and density's .svg) go (default bench/results;",
    '                      full runs always write there, --quick only when this is given)',
    'density:',
    '  --source synthetic|rtsp  frames published in-process (no decode) or H.264 from a local GStreamer RTSP server',
    "  --size WxH, --fps N      each camera's analysis frame (synthetic only; RTSP is 640x360 at 5 fps)",
    '  --hold SECONDS           how long a level must hold (default 10)',
    '  --budget MS              p99 capture-to-result budget (default 50)',
    '  --from N --step N --max N  the ramp of camera counts',
    '  --workers N[,N...]       channel workers (default: cores); several alternate within each level',
    'inference:',
    '  --model PATH             a real ONNX detector joins the pool comparison',
    'detect:',
    '  --levels N[,N...]        camera counts to run instead of the full ramp 1, 2, 5, ... 150',
    'recording:',
    '  --levels N               cameras (default 50)',
    'site:',
    '  --levels N[,N...]        camera counts (default 50)',
    '  --hold SECONDS           how long each level is measured (default 30)',
    '  --profile                CPU profiles of every gateway thread into bench/results/site-profile-<date>/, top functions printed',
    'soak:',
    '  --levels N               cameras (default 100)',
    '  --hold SECONDS           how long the gateway is sampled (default 3600; the first 20%, at most 300 s, is warm-up)',
  ].join('\n');
}

/** Increasing camera counts, e.g. `20,40,80`. */
function levelList(value: string, names: readonly string[]): number[] {
  const levels = value.split(',').map((part) => integer('--levels', part, 1, names));
  if (levels.some((n, i) => i > 0 && n <= (levels[i - 1] as number)))
    fail(`Expected increasing camera counts for --levels but received '${value}'`, names);
  return levels;
}

function fail(message: string, names: readonly string[]): never {
  throw new BenchUsageError(`${message}\n${usage(names)}`);
}

function integer(option: string, value: string, min: number, names: readonly string[]): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) fail(`Expected an integer >= ${min} for ${option} but received '${value}'`, names);
  return n;
}

function positive(option: string, value: string, names: readonly string[]): number {
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(n > 0)) fail(`Expected a number above 0 for ${option} but received '${value}'`, names);
  return n;
}

function densityOption(args: DensityArgs, option: string, value: string, names: readonly string[]): void {
  switch (option) {
    case '--source':
      if (value !== 'synthetic' && value !== 'rtsp') fail(`Expected synthetic or rtsp for --source but received '${value}'`, names);
      args.source = value;
      return;
    case '--size': {
      const m = /^(\d+)x(\d+)$/.exec(value);
      const [w, h] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
      // Even sides: the frame ring and ffmpeg's yuv420p both need them; 16 is the smallest the analysis crops.
      if (w < 16 || h < 16 || w % 2 || h % 2 || w > 7680 || h > 4320) {
        fail(`Expected WxH with even sides from 16x16 to 7680x4320 for --size but received '${value}'`, names);
      }
      args.width = w;
      args.height = h;
      return;
    }
    case '--fps':
      args.fps = positive(option, value, names);
      return;
    case '--hold':
      args.holdS = positive(option, value, names);
      return;
    case '--budget':
      args.budgetMs = positive(option, value, names);
      return;
    case '--from':
      args.from = integer(option, value, 1, names);
      return;
    case '--step':
      args.step = integer(option, value, 1, names);
      return;
    case '--max':
      args.max = integer(option, value, 1, names);
      return;
    case '--workers':
      args.workers = value.split(',').map((w) => integer(option, w, 1, names));
      return;
  }
}

/** Checks that need several options at once. */
function checkDensity(args: DensityArgs, names: readonly string[]): void {
  if (args.from !== undefined && args.max !== undefined && args.from > args.max) {
    fail(`--from ${args.from} is above --max ${args.max}: the ramp would be empty`, names);
  }
  const sized = args.width !== undefined || args.fps !== undefined;
  if (args.source === 'rtsp' && sized) {
    fail(
      `--size and --fps apply to --source synthetic only: the RTSP fixture serves ${RTSP_FRAME.width}x${RTSP_FRAME.height} at ${RTSP_FRAME.fps} fps`,
      names,
    );
  }
}

/** Parses argv (after `bench`) against the scenario names; throws BenchUsageError with the usage. */
export function parseBenchArgs(argv: readonly string[], names: readonly string[]): BenchArgs {
  const out: BenchArgs = { names: [], quick: false, markdown: false, density: {}, profile: false, help: false };
  const densityGiven: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const option = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string => {
      const v = eq > 0 ? raw.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '' || (eq < 0 && v.startsWith('--'))) fail(`${option} needs a value`, names);
      return v;
    };
    if (option === '--quick') out.quick = true;
    else if (option === '--markdown') out.markdown = true;
    else if (option === '--profile') out.profile = true;
    else if (option === '--help' || option === '-h') out.help = true;
    else if (option === '--json') out.json = value();
    else if (option === '--compare') out.compare = value();
    else if (option === '--results-dir') out.resultsDir = value();
    else if (option === '--model') out.model = value();
    else if (option === '--levels') out.levels = levelList(value(), names);
    else if (DENSITY_OPTIONS.includes(option)) {
      densityOption(out.density, option, value(), names);
      densityGiven.push(option);
    } else if (option.startsWith('-')) fail(`unknown option ${option}`, names);
    else if (!names.includes(option)) fail(`unknown scenario '${option}' (scenarios: ${names.join(', ')})`, names);
    else if (!out.names.includes(option)) out.names.push(option);
  }
  if (out.names.length === 0) out.names.push(...names);
  out.holdS = out.density.holdS;
  // --hold is density's and the site and soak scenarios': a run with one of those only takes it too.
  if (out.names.includes('site') || out.names.includes('soak'))
    densityGiven.splice(0, densityGiven.length, ...densityGiven.filter((o) => o !== '--hold'));
  if (densityGiven.length > 0 && !out.names.includes('density')) {
    const verb = densityGiven.length === 1 ? 'applies' : 'apply';
    fail(`${densityGiven.join(', ')} ${verb} to the density scenario, which this run does not include`, names);
  }
  if (out.model !== undefined && !out.names.includes('inference'))
    fail('--model applies to the inference scenario, which this run does not include', names);
  if (out.levels !== undefined && !['detect', 'recording', 'site', 'soak'].some((n) => out.names.includes(n)))
    fail('--levels applies to the detect, recording, site and soak scenarios, which this run does not include', names);
  if (out.names.includes('soak') && (out.levels?.length ?? 0) > 1)
    fail(`Expected one camera count for --levels with soak but received '${out.levels?.join(',')}'`, names);
  if (out.profile && !out.names.includes('site')) fail('--profile applies to the site scenario, which this run does not include', names);
  checkDensity(out.density, names);
  return out;
}
