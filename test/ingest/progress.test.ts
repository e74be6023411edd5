import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ffmpegArgs, type IngestSpec } from '../../src/ingest/ffmpeg-args.ts';
import { ProgressParser, type IngestErrorKind, type IngestProgress, type StreamInfo } from '../../src/ingest/progress.ts';

function parse(text: string): { progress: IngestProgress[]; streams: StreamInfo[]; errors: Array<[IngestErrorKind, string]> } {
  const progress: IngestProgress[] = [];
  const streams: StreamInfo[] = [];
  const errors: Array<[IngestErrorKind, string]> = [];
  const parser = new ProgressParser({
    progress: (p) => progress.push(p),
    stream: (s) => streams.push(s),
    error: (k, l) => errors.push([k, l]),
  });
  // Feed in awkward pieces, as a pipe delivers them.
  for (let i = 0; i < text.length; i += 7) parser.feed(text.slice(i, i + 7));
  parser.feed('\n');
  return { progress, streams, errors };
}

test('progress blocks and the input stream description of a real ffmpeg run are parsed', () => {
  const spec: IngestSpec = {
    url: 'lavfi:testsrc2=size=320x240:rate=25',
    transport: 'tcp',
    loop: false,
    width: 160,
    height: 120,
    fps: 5,
    format: 'gray',
    sampling: 'fixed_fps',
    minFps: 1,
    ioTimeoutMs: 5000,
    ffmpegMajor: 5,
  };
  const args = ffmpegArgs(spec, '/dev/null').filter((a) => a !== '-re');
  args.splice(args.indexOf('-an'), 0, '-t', '2');
  const run = spawnSync('ffmpeg', args, { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const result = parse(run.stderr);
  assert.equal(result.streams.length, 1, 'only the input stream is reported, not the output');
  assert.deepEqual(result.streams[0], { codec: 'rawvideo', width: 320, height: 240, fps: 25 });
  const last = result.progress.at(-1);
  assert.equal(last?.frame, 10, `frames at 5 fps over 2 s: ${JSON.stringify(last)}`);
  assert.deepEqual(result.errors, []);
});

test('error lines are classified and their URLs masked', () => {
  const { errors } = parse(
    [
      '[rtsp @ 0x5581] method DESCRIBE failed: 401 Unauthorized',
      'rtsp://admin:pw@127.0.0.1:8554/cam: Server returned 401 Unauthorized (authorization failed)',
      '[tcp @ 0x1] Connection to tcp://127.0.0.1:9 failed: Connection refused',
      '/nope.mp4: No such file or directory',
      '[h264 @ 0x2] Invalid data found when processing input',
    ].join('\n'),
  );
  assert.deepEqual(
    errors.map(([k]) => k),
    ['unauthorized', 'unauthorized', 'refused', 'not_found', 'invalid_data'],
  );
  assert.ok(errors.every(([, line]) => !line.includes('admin:pw')));
});

test('a real ffmpeg failing to resolve a host name reports dns with the host, the URL masked', () => {
  const run = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-rtsp_transport', 'tcp', '-i', 'rtsp://viewer:my@pw@cam.invalid:554/s?token=t0k', '-f', 'null', '-'],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  const { errors } = parse(run.stderr);
  assert.equal(errors[0]?.[0], 'dns', run.stderr);
  assert.match(errors[0]?.[1] ?? '', /^host name does not resolve: cam\.invalid \(.+\)$/);
  assert.ok(
    errors.every(([, line]) => !line.includes('my@pw') && !line.includes('t0k') && !line.includes('viewer')),
    JSON.stringify(errors),
  );
  const { errors: words } = parse('getaddrinfo: Temporary failure in name resolution\nhost: Name or service not known\n');
  assert.deepEqual(
    words.map(([kind]) => kind),
    ['dns', 'dns'],
  );
});
