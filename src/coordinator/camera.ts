/**
 * One camera's lifecycle actor on the coordinator thread: runs ffmpeg into the camera's frame ring,
 * notices stalls, reconnects with backoff, and stops hammering a dead camera through its breaker.
 *
 *   OFFLINE -> CONNECTING -(first frame)-> ONLINE -(no frame for stallTimeout)-> STALLED -> OFFLINE
 *   CONNECTING -(no first frame within firstFrameTimeout)-> OFFLINE (one failure for the breaker)
 *   CONNECTING/ONLINE -(ffmpeg exits)-> OFFLINE (retry after backoff) or CIRCUIT_OPEN (retry when half-open)
 *   any -(stop)-> DISABLED
 *
 * The first frame has its own, longer deadline: a client joining a stream decodes nothing until the
 * next key frame, and cameras with a "smart codec" send one every 4-10 s. Holding a connecting run to
 * the stall timeout made such cameras flap CONNECTING -> STALLED -> CIRCUIT_OPEN forever.
 */
import { closeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { openFramePipe } from '../ingest/frame-pipe.ts';
import { ffmpegArgs, type IngestSpec, type TapArgs } from '../ingest/ffmpeg-args.ts';
import type { FfmpegLocation } from '../ingest/ffmpeg-path.ts';
import { maskUrl, maskUrlsInText } from '../ingest/mask-url.ts';
import { ProgressParser, type IngestErrorKind, type StreamInfo } from '../ingest/progress.ts';
import { resolveSecrets } from '../ingest/secrets.ts';
import { epochMs } from '../ring/clock.ts';
import { Ctrl, FrameRing } from '../ring/layout.ts';
import type { PipeEvent } from '../protocol.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import type { CameraState, CameraTransition } from './camera-state.ts';
import { CircuitBreaker, type CircuitBreakerOptions } from '../resilience/circuit-breaker.ts';
import { spawnChild, type Child } from './child-process.ts';
import { killTree, parentDeathGuardKnown, probeParentDeathGuard, wrapForParentDeath } from './child-guard.ts';
import type { IngestTap } from './ingest-tap.ts';
import { watchdogTicker } from './shared-ticker.ts';

/** What ffmpeg prints when it exits on a signal (`Immediate exit requested`, `received signal 15`). */
const SIGNALLED_EXIT = /Immediate exit requested|received signal \d+/;

export interface CameraSpec extends Omit<IngestSpec, 'ffmpegMajor'> {
  id: string;
  /** No frame for this long while ONLINE counts as a stall. */
  stallTimeoutMs: number;
  /** A connecting run without a decoded frame for this long is abandoned (it must cover a key-frame interval). */
  firstFrameTimeoutMs: number;
  /** Online this long resets the backoff and counts as a success for a half-open breaker. */
  stableAfterMs: number;
  /** RTSP over TCP: switch to UDP after this many consecutive failures (0 = never). */
  udpFallbackAfter: number;
  ringSlots: number;
  backoff: BackoffOptions;
  circuit: CircuitBreakerOptions;
}

/**
 * Who reads a run's pipe into the camera's ring (the camera's channel worker, through the supervisor).
 * It reports back through `CameraActor.pipeEvent`; the actor keeps the fd and closes it when the pipe
 * ended or once `detach` resolved.
 */
export interface PipeHost {
  attach(camera: string, fd: number, run: number, ring: FrameRing): void;
  detach(camera: string, run: number): Promise<void>;
}

export interface CameraDeps {
  ffmpeg: FfmpegLocation;
  pipes: PipeHost;
  logger: Logger;
  onTransition(t: CameraTransition): void;
  /** A second output on the same ffmpeg (the recorder of the analysed stream). */
  tap?: IngestTap;
}

export class CameraActor {
  readonly spec: CameraSpec;
  /** Its Run word numbers the ffmpeg runs (beginRun); the frames are written by whoever reads the run's pipe (PipeHost). */
  readonly ring: FrameRing;
  state: CameraState = 'OFFLINE';
  stream: StreamInfo | null = null;
  /** ffmpeg's own view: decode fps and input bitrate from -progress. */
  ingestFps = 0;
  bitrateKbps: number | null = null;
  reconnects = 0;
  /** Transitions into each state since the actor was made. */
  readonly transitionsInto = new Map<CameraState, number>();
  /** The most recent error of any run, kept after later runs succeed (for operators). */
  lastError: { kind: IngestErrorKind; message: string } | null = null;
  transport: 'tcp' | 'udp';
  readonly breaker: CircuitBreaker;
  private readonly backoff: Backoff;
  /** The current run's pipe (its read end) while a worker may read it. */
  private pipe: { fd: number; run: number; tap: boolean } | null = null;
  private readonly deps: CameraDeps;
  private readonly log: Logger;
  private child: Child | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  /** Stops this camera's stall checks (run by the gateway's one watchdog timer). */
  private stopWatchdog: (() => void) | undefined;
  private runStartMs = 0;
  private runFrames = 0;
  private consecutiveFailures = 0;
  /** The current run's error: why it ended, never an earlier run's. */
  private runError: string | null = null;
  private runErrorKind: IngestErrorKind | null = null;
  /** The current run was given up before its first frame; a frame it still delivers is ignored. */
  private runAbandoned = false;
  private stopping = false;

  constructor(spec: CameraSpec, deps: CameraDeps) {
    this.spec = spec;
    this.deps = deps;
    this.log = deps.logger.child({ camera: spec.id });
    this.transport = spec.transport;
    this.ring = FrameRing.create({ width: spec.width, height: spec.height, format: spec.format, slots: spec.ringSlots });
    this.breaker = new CircuitBreaker(spec.circuit);
    this.backoff = new Backoff(spec.backoff);
  }

  /** Complete frames committed to the ring, over every run. */
  get frames(): number {
    return this.ring.counter(Ctrl.Frames);
  }

  /**
   * When the last frame arrived (0 before the first), on Date.now()'s clock, which the stall detector
   * compares it with: the frame's age is measured on the monotonic clock it was stamped with, so a
   * wall-clock step cannot fake (or hide) a stall. Read by a timer, not per frame.
   */
  get lastFrameMs(): number {
    const at = this.ring.lastCommitMs();
    return at === 0 ? 0 : Date.now() - (epochMs() - at);
  }

  /** What the worker reading the run's pipe reports (src/coordinator/gateway.ts routes it here). */
  pipeEvent(event: PipeEvent): void {
    const pipe = this.pipe;
    if (pipe === null || pipe.run !== event.run) return;
    if (event.kind === 'first-frame') {
      // Only a connecting run goes ONLINE: a frame that slips out while a stalled ffmpeg is being
      // killed must not count as a success (the stall is a failure for the breaker).
      if (this.state === 'CONNECTING' && !this.runAbandoned) this.onFirstFrame();
      return;
    }
    this.pipe = null;
    closeSync(pipe.fd);
    if (event.errno !== null) this.log.warn({ errno: event.errno }, "reading ffmpeg's output failed");
    if (pipe.tap) this.deps.tap?.end();
    this.onRunEnd();
  }

  /** Stops the current run's reading (no run end is reported) and closes its pipe. */
  private async dropPipe(): Promise<void> {
    const pipe = this.pipe;
    if (pipe === null) return;
    this.pipe = null;
    await this.deps.pipes.detach(this.spec.id, pipe.run).catch(() => undefined);
    closeSync(pipe.fd);
  }

  /** ffmpeg's process id while a run is active (setpriv execs it, so the pid is ffmpeg's). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.stopping = false;
    this.stopWatchdog ??= watchdogTicker.every(Math.min(1000, this.spec.stallTimeoutMs / 4, this.spec.firstFrameTimeoutMs / 4), () =>
      this.checkStall(),
    );
    this.connect();
  }

  /** Stops ffmpeg and timers; the camera goes DISABLED until started again. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.clearTimers();
    this.stopWatchdog?.();
    this.stopWatchdog = undefined;
    const child = this.child;
    this.child = undefined;
    if (child) await killTree(child);
    await this.dropPipe();
    this.transition('DISABLED', 'stopped');
  }

  /** Restart now, skipping any backoff or open circuit (an operator's explicit request). */
  restart(reason = 'restart requested'): void {
    this.clearTimers();
    this.backoff.reset();
    if (this.child) {
      this.pendingReason = reason;
      void killTree(this.child);
      return;
    }
    this.connect(true);
  }

  private pendingReason: string | undefined;
  private awaitingGuard = false;

  private connect(force = false): void {
    if (this.stopping) return;
    if (!parentDeathGuardKnown()) {
      // Only an actor started outside a Gateway (which awaits the check) gets here: connect once it is known.
      if (!this.awaitingGuard) {
        this.awaitingGuard = true;
        void probeParentDeathGuard().then(() => {
          this.awaitingGuard = false;
          this.connect(force);
        });
      }
      return;
    }
    if (!force && !this.breaker.tryAcquire()) {
      this.transition('CIRCUIT_OPEN', `circuit open after ${this.breaker.consecutiveFailures} consecutive failures`);
      this.retryTimer = setTimeout(() => this.connect(), this.breaker.remainingOpenMs + 10);
      return;
    }
    let url: string;
    try {
      url = resolveSecrets(this.spec.url, this.spec.id);
    } catch (err) {
      // A missing secret will not fix itself by retrying soon: report it and retry on the slow schedule.
      this.lastError = { kind: 'other', message: (err as Error).message };
      this.breaker.recordFailure();
      this.transition('OFFLINE', (err as Error).message);
      this.retryTimer = setTimeout(() => this.connect(), this.spec.backoff.maxMs);
      return;
    }
    this.transition('CONNECTING', this.transport === 'udp' ? 'connecting over UDP' : 'connecting');
    const spec: IngestSpec = { ...this.spec, url, transport: this.transport, ffmpegMajor: this.deps.ffmpeg.major };
    const { tap } = this.deps;
    const tapArgs: TapArgs | null = tap?.begin() ?? null;
    // A run still attached (never the case after a run end) is let go of first.
    if (this.pipe !== null) void this.dropPipe();
    const run = this.ring.beginRun();
    const { readFd, writeFd } = openFramePipe(this.ring.frameBytes);
    const [command, args] = wrapForParentDeath(this.deps.ffmpeg.path, ffmpegArgs(spec, 'pipe:1', tapArgs));
    this.runStartMs = Date.now();
    this.runFrames = this.frames;
    this.runError = null;
    this.runErrorKind = null;
    this.runAbandoned = false;
    const child = spawnChild(command, args, ['ignore', writeFd, 'pipe', tapArgs ? 'pipe' : 'ignore']);
    closeSync(writeFd);
    this.child = child;
    // The child holds the only write end now: its exit ends the pipe, which the reader reports.
    this.pipe = { fd: readFd, run, tap: tapArgs !== null };
    this.deps.pipes.attach(this.spec.id, readFd, run, this.ring);
    const tapPipe = child.stdio[3];
    if (tapArgs && tapPipe) tap?.attach(tapPipe as Readable);
    const parser = new ProgressParser({
      progress: (p) => {
        this.ingestFps = p.fps;
        this.bitrateKbps = p.bitrateKbps;
      },
      stream: (info) => {
        this.stream = info;
      },
      error: (kind, message) => {
        if (tapArgs && tap?.claims(message)) return;
        // ffmpeg's own reaction to the SIGTERM we sent (a stop, a stall restart) is not the camera's fault.
        if (this.stopping || this.runAbandoned || SIGNALLED_EXIT.test(message)) {
          this.log.debug(message);
          return;
        }
        // ffmpeg closes a failed open with a generic "<url>: Input/output error" after the specific cause.
        if (kind === 'other' && this.runErrorKind !== null && this.runErrorKind !== 'other') {
          this.log.debug(message);
          return;
        }
        this.lastError = { kind, message };
        this.runError = message;
        this.runErrorKind = kind;
        this.log.warn({ kind }, message);
      },
      line: (line) => {
        if (!(tapArgs && tap?.claims(line))) this.log.debug(line);
      },
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => parser.feed(text));
    child.once('error', (err) => {
      this.lastError = { kind: 'other', message: `ffmpeg did not start: ${maskUrlsInText(err.message)}` };
      this.runError = this.lastError.message;
    });
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
  }

  private onFirstFrame(): void {
    this.consecutiveFailures = 0;
    this.breaker.recordSuccess();
    this.transition('ONLINE', `receiving frames${this.stream ? ` (${this.stream.codec} ${this.stream.width}x${this.stream.height})` : ''}`);
    clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => {
      this.backoff.reset();
      this.breaker.recordSuccess();
    }, this.spec.stableAfterMs);
  }

  /** A run ended (ffmpeg exited and its last bytes were read). */
  private onRunEnd(): void {
    clearTimeout(this.stableTimer);
    if (this.stopping) return;
    if (this.pendingReason !== undefined) {
      const reason = this.pendingReason;
      this.pendingReason = undefined;
      this.transition('OFFLINE', reason);
      this.connect(true);
      return;
    }
    const gotFrames = this.frames > this.runFrames && !this.runAbandoned;
    const stalled = this.state === 'STALLED';
    if (!gotFrames || stalled) {
      this.consecutiveFailures++;
      this.breaker.recordFailure();
    }
    this.maybeFallBackToUdp();
    this.reconnects++;
    const why = stalled ? 'stalled' : (this.runError ?? (gotFrames ? 'stream ended' : 'ffmpeg exited before the first frame'));
    if (this.breaker.state === 'open') {
      this.transition('CIRCUIT_OPEN', `${why}; circuit open for ${Math.round(this.breaker.remainingOpenMs / 1000)} s`);
      this.retryTimer = setTimeout(() => this.connect(), this.breaker.remainingOpenMs + 10);
      return;
    }
    const delay = this.backoff.next();
    this.transition('OFFLINE', `${why}; reconnecting in ${delay} ms`);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private maybeFallBackToUdp(): void {
    const { udpFallbackAfter } = this.spec;
    // rtsps:// only runs interleaved in its TLS stream (ffmpeg ignores -rtsp_transport udp for it), so
    // "falling back" there would change nothing but the logs.
    if (!/^rtsp:\/\//i.test(this.spec.url) || this.transport === 'udp' || udpFallbackAfter <= 0) return;
    if (this.consecutiveFailures >= udpFallbackAfter) {
      this.transport = 'udp';
      this.log.warn({ failures: this.consecutiveFailures }, 'falling back to RTSP over UDP');
    }
  }

  private checkStall(): void {
    if (!this.child) return;
    const now = Date.now();
    const lastFrameMs = this.lastFrameMs;
    if (this.state === 'ONLINE' && now - lastFrameMs > this.spec.stallTimeoutMs) {
      this.lastError = { kind: 'timeout', message: `no frame for ${this.spec.stallTimeoutMs} ms` };
      this.transition('STALLED', `no frame for ${Math.round((now - lastFrameMs) / 1000)} s`);
      void killTree(this.child);
    } else if (this.state === 'CONNECTING' && !this.runAbandoned && now - this.runStartMs > this.spec.firstFrameTimeoutMs) {
      // One failed attempt (counted when the run ends), not a stall: the camera never streamed.
      const message = `no first frame within ${this.spec.firstFrameTimeoutMs} ms (a key frame every few seconds needs lifecycle.firstFrameTimeoutMs above that interval)`;
      this.lastError = { kind: 'timeout', message };
      this.runError = message;
      this.runAbandoned = true;
      this.log.warn(message);
      void killTree(this.child);
    }
  }

  private clearTimers(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.stableTimer);
    this.retryTimer = undefined;
  }

  private transition(to: CameraState, reason: string): void {
    const from = this.state;
    if (from === to && to !== 'OFFLINE') return;
    this.state = to;
    this.transitionsInto.set(to, (this.transitionsInto.get(to) ?? 0) + 1);
    // Reasons reach MQTT, WebSocket clients and logs; ffmpeg's lines are masked already, this catches the rest.
    const shown = maskUrlsInText(reason);
    const t: CameraTransition = { camera: this.spec.id, from, to, reason: shown, atMs: Date.now() };
    this.log.info({ from, to, url: maskUrl(this.spec.url) }, `camera ${to}: ${shown}`);
    this.deps.onTransition(t);
  }
}
