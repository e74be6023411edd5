/** The bench command line (bench/lib/cli.ts): what it accepts, and the exact words it rejects with. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BenchUsageError, parseBenchArgs } from '../../bench/lib/cli.ts';

const NAMES = ['kernels', 'transport', 'pipeline', 'inference', 'jpeg', 'density'];

function rejects(argv: string[], firstLine: string, names: string[] = NAMES): void {
  assert.throws(
    () => parseBenchArgs(argv, names),
    (err: unknown) => {
      assert.ok(err instanceof BenchUsageError);
      assert.equal(err.code, 'E_BENCH_USAGE');
      const [line, usage] = err.message.split('\n');
      assert.equal(line, firstLine);
      assert.match(usage ?? '', /^usage: npm run bench -- \[kernels\|transport\|pipeline\|inference\|jpeg\|density/);
      return true;
    },
  );
}

test('no scenario named runs every scenario, with the default options', () => {
  const args = parseBenchArgs([], NAMES);
  assert.deepEqual(args.names, NAMES);
  assert.equal(args.quick, false);
  assert.equal(args.markdown, false);
  assert.deepEqual(args.density, {});
});

test('the run-wide options and a list of scenarios are parsed, with --opt=value as well', () => {
  const args = parseBenchArgs(
    ['kernels', 'density', '--quick', '--json', 'out.json', '--compare=old.json', '--markdown', '--results-dir', '/tmp/r'],
    NAMES,
  );
  assert.deepEqual(args.names, ['kernels', 'density']);
  assert.equal(args.quick, true);
  assert.equal(args.json, 'out.json');
  assert.equal(args.compare, 'old.json');
  assert.equal(args.markdown, true);
  assert.equal(args.resultsDir, '/tmp/r');
});

test('the density options are parsed into sizes, rates, a ramp and worker counts', () => {
  const args = parseBenchArgs(
    [
      'density',
      '--source',
      'synthetic',
      '--size',
      '1280x720',
      '--fps',
      '2.5',
      '--hold',
      '30',
      '--budget',
      '100',
      '--from',
      '50',
      '--step',
      '25',
      '--max',
      '400',
      '--workers',
      '1,2',
    ],
    NAMES,
  );
  assert.deepEqual(args.density, {
    source: 'synthetic',
    width: 1280,
    height: 720,
    fps: 2.5,
    holdS: 30,
    budgetMs: 100,
    from: 50,
    step: 25,
    max: 400,
    workers: [1, 2],
  });
});

test('an unknown scenario or option is rejected with the list of scenarios or the usage', () => {
  rejects(['fanout'], "unknown scenario 'fanout' (scenarios: kernels, transport, pipeline, inference, jpeg, density)");
  rejects(['--fast'], 'unknown option --fast');
});

test('bad density values are rejected with what was expected and what was received', () => {
  rejects(['density', '--source', 'usb'], "Expected synthetic or rtsp for --source but received 'usb'");
  rejects(['density', '--size', '640by360'], "Expected WxH with even sides from 16x16 to 7680x4320 for --size but received '640by360'");
  rejects(['density', '--size', '641x360'], "Expected WxH with even sides from 16x16 to 7680x4320 for --size but received '641x360'");
  rejects(['density', '--fps', '0'], "Expected a number above 0 for --fps but received '0'");
  rejects(['density', '--hold', 'ten'], "Expected a number above 0 for --hold but received 'ten'");
  rejects(['density', '--from', '1.5'], "Expected an integer >= 1 for --from but received '1.5'");
  rejects(['density', '--workers', '2,x'], "Expected an integer >= 1 for --workers but received 'x'");
  rejects(['density', '--from', '500', '--max', '100'], '--from 500 is above --max 100: the ramp would be empty');
});

test('an option missing its value is rejected rather than swallowing the next option', () => {
  rejects(['--json'], '--json needs a value');
  rejects(['density', '--budget', '--quick'], '--budget needs a value');
});

test('density options on a run without density, and size or rate with RTSP, are rejected', () => {
  rejects(['kernels', '--fps', '10'], '--fps applies to the density scenario, which this run does not include');
  rejects(['kernels', '--fps', '10', '--hold', '5'], '--fps, --hold apply to the density scenario, which this run does not include');
  rejects(
    ['density', '--source', 'rtsp', '--size', '1280x720'],
    '--size and --fps apply to --source synthetic only: the RTSP fixture serves 640x360 at 5 fps',
  );
  rejects(['kernels', '--model', 'yolo.onnx'], '--model applies to the inference scenario, which this run does not include');
});

test('detect --levels takes increasing camera counts and nothing else', () => {
  const names = [...NAMES, 'detect', 'recording'];
  assert.deepEqual(parseBenchArgs(['detect', '--levels', '20,40,80'], names).levels, [20, 40, 80]);
  rejects(['detect', '--levels', '40,20'], "Expected increasing camera counts for --levels but received '40,20'", names);
  rejects(['detect', '--levels', '10,x'], "Expected an integer >= 1 for --levels but received 'x'", names);
  rejects(
    ['kernels', '--levels', '10'],
    '--levels applies to the detect, recording, site and soak scenarios, which this run does not include',
    names,
  );
  assert.deepEqual(parseBenchArgs(['recording', '--levels', '8'], names).levels, [8]);
});

test('site takes --levels, --hold and --profile; --hold still belongs to density too, --profile to site only', () => {
  const names = [...NAMES, 'site'];
  const args = parseBenchArgs(['site', '--levels', '10,20', '--hold', '10', '--profile'], names);
  assert.deepEqual([args.levels, args.holdS, args.profile], [[10, 20], 10, true]);
  assert.equal(parseBenchArgs(['density', '--hold', '5'], names).holdS, 5);
  assert.equal(parseBenchArgs(['site'], names).profile, false);
  rejects(['site', '--fps', '10', '--hold', '5'], '--fps applies to the density scenario, which this run does not include', names);
  rejects(['kernels', '--hold', '5'], '--hold applies to the density scenario, which this run does not include', names);
  rejects(['kernels', '--profile'], '--profile applies to the site scenario, which this run does not include', names);
});

test('soak takes --hold and one camera count in --levels', () => {
  const names = [...NAMES, 'site', 'soak'];
  const args = parseBenchArgs(['soak', '--levels', '50', '--hold', '600'], names);
  assert.deepEqual([args.names, args.levels, args.holdS], [['soak'], [50], 600]);
  rejects(['soak', '--levels', '50,100'], "Expected one camera count for --levels with soak but received '50,100'", names);
  rejects(['soak', '--fps', '10'], '--fps applies to the density scenario, which this run does not include', names);
});
