/**
 * Reads ffmpeg's stderr: the `-progress` key=value blocks (frame count, fps, bitrate, speed), the input
 * stream description (codec, size, fps) and error lines, classified so the lifecycle can tell a wrong
 * password from a dead host. Lines are masked before they leave this module.
 */
import { maskUrlsInText } from './mask-url.ts';

export interface IngestProgress {
  frame: number;
  fps: number;
  bitrateKbps: number | null;
  speed: number | null;
}

export interface StreamInfo {
  codec: string;
  width: number;
  height: number;
  fps: number | null;
}

export type IngestErrorKind = 'unauthorized' | 'not_found' | 'dns' | 'refused' | 'timeout' | 'invalid_data' | 'other';

export interface ProgressHandlers {
  progress?(p: IngestProgress): void;
  stream?(info: StreamInfo): void;
  error?(kind: IngestErrorKind, line: string): void;
  /** Every other line, masked, for debug logging. */
  line?(line: string): void;
}

// getaddrinfo's words on glibc, musl and BSD/macOS; ffmpeg then ends with a bare "<url>: Input/output error".
const DNS_FAILURE =
  /Failed to resolve hostname|Name or service not known|Temporary failure in name resolution|No address associated with hostname|nodename nor servname provided|Name does not resolve/i;
const RESOLVE_LINE = /Failed to resolve hostname (\S+?):? (.+)$/;

const ERROR_PATTERNS: Array<[IngestErrorKind, RegExp]> = [
  ['unauthorized', /401 Unauthorized|403 Forbidden|authorization failed/i],
  ['not_found', /404 Not Found|No such file or directory|method DESCRIBE failed: 404/i],
  ['dns', DNS_FAILURE],
  ['refused', /Connection refused|No route to host|Network is unreachable|Host is unreachable/i],
  ['timeout', /timed out|Timeout|Connection timed out/i],
  ['invalid_data', /Invalid data found|could not find codec parameters|Error while decoding|corrupt/i],
  ['other', /\berror\b|failed|Could not|Unable to/i],
];

const VIDEO_STREAM = /Stream #\d+:\d+.*?: Video: (\w+).*?, (\d{1,5})x(\d{1,5})\b/;
// ffmpeg prints "25 fps" when the container states a rate, else only the base rate "25 tbr".
const STREAM_RATE = /, ([\d.]+)(?:k)? (?:fps|tbr)\b/;

function rateOf(line: string): number | null {
  const match = STREAM_RATE.exec(line);
  return match ? Number(match[1]) : null;
}

/** "host name does not resolve: cam.invalid (Name or service not known)" from ffmpeg's tcp line. */
function dnsReason(line: string): string {
  const resolve = RESOLVE_LINE.exec(line);
  return resolve ? `host name does not resolve: ${resolve[1]} (${resolve[2]})` : `host name does not resolve (${line})`;
}

export class ProgressParser {
  private pending = '';
  private section: 'none' | 'input' | 'output' = 'none';
  private block: Partial<Record<string, string>> = {};
  private readonly handlers: ProgressHandlers;

  constructor(handlers: ProgressHandlers) {
    this.handlers = handlers;
  }

  feed(chunk: string): void {
    const text = this.pending + chunk;
    const lines = text.split(/\r?\n|\r/);
    this.pending = lines.pop() ?? '';
    for (const line of lines) if (line.length > 0) this.onLine(line);
  }

  private onLine(raw: string): void {
    const kv = /^([a-z_0-9]+)=(.*)$/.exec(raw);
    if (kv) {
      this.block[kv[1] as string] = kv[2];
      if (kv[1] === 'progress') this.flushProgress();
      return;
    }
    const line = maskUrlsInText(raw);
    // Only the first input is the camera's stream.
    if (/^Input #0\b/.test(line)) this.section = 'input';
    else if (/^Input #\d+/.test(line)) this.section = 'none';
    else if (/^Output #\d+/.test(line)) this.section = 'output';
    const stream = this.section === 'input' ? VIDEO_STREAM.exec(line) : null;
    if (stream) {
      this.handlers.stream?.({
        codec: stream[1] as string,
        width: Number(stream[2]),
        height: Number(stream[3]),
        fps: rateOf(line),
      });
    }
    const kind = ERROR_PATTERNS.find(([, re]) => re.test(line))?.[0];
    if (kind === 'dns') this.handlers.error?.(kind, dnsReason(line));
    else if (kind && !stream) this.handlers.error?.(kind, line);
    else this.handlers.line?.(line);
  }

  private flushProgress(): void {
    const b = this.block;
    const num = (v: string | undefined): number | null => {
      const n = Number.parseFloat(v ?? '');
      return Number.isFinite(n) ? n : null;
    };
    this.handlers.progress?.({
      frame: num(b['frame']) ?? 0,
      fps: num(b['fps']) ?? 0,
      bitrateKbps: num(b['bitrate']),
      speed: num(b['speed']),
    });
    this.block = {};
  }
}
