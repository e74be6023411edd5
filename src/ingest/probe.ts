/**
 * What a stream is (codec, size, rate), asked of ffmpeg the way a camera would open it (same input
 * options, credentials from `${VAR}` references), reading only until the input is described. For
 * `panoptes probe URL` and for operators setting up a camera's analysis size.
 */
import { spawnChild } from '../coordinator/child-process.ts';
import { ProbeError } from '../errors.ts';
import { inputArgs } from './ffmpeg-args.ts';
import type { FfmpegLocation } from './ffmpeg-path.ts';
import { ProgressParser, type IngestErrorKind, type StreamInfo } from './progress.ts';
import { resolveSecrets } from './secrets.ts';

export interface ProbeOptions {
  ffmpeg: FfmpegLocation;
  transport?: 'tcp' | 'udp';
  timeoutMs?: number;
}

export function probeStream(url: string, options: ProbeOptions): Promise<StreamInfo> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const args = [
    '-hide_banner',
    '-nostdin',
    ...inputArgs({
      url: resolveSecrets(url, 'probe'),
      transport: options.transport ?? 'tcp',
      loop: false,
      ioTimeoutMs: timeoutMs,
      ffmpegMajor: options.ffmpeg.major,
    }).filter((a) => a !== '-re'),
    '-frames:v',
    '1',
    '-f',
    'null',
    '-',
  ];
  return new Promise((resolve, reject) => {
    const child = spawnChild(options.ffmpeg.path, args, ['ignore', 'ignore', 'pipe']);
    let found: StreamInfo | null = null;
    let failure: { kind: IngestErrorKind; line: string } | null = null;
    const parser = new ProgressParser({
      stream: (info) => {
        found ??= info;
      },
      error: (kind, line) => {
        failure ??= { kind, line };
      },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 2000);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => parser.feed(chunk));
    child.on('error', (err: Error) => reject(new ProbeError('other', `ffmpeg could not start: ${err.message}`)));
    child.on('close', () => {
      clearTimeout(timer);
      if (found) return resolve(found);
      const f = failure as { kind: IngestErrorKind; line: string } | null;
      reject(new ProbeError(f?.kind ?? 'other', f ? f.line : 'ffmpeg found no video stream'));
    });
  });
}
