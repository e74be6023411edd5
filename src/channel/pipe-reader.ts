/**
 * One ffmpeg run's raw frames, read by the camera's channel worker straight into its ring: the
 * coordinator makes the pipe and starts ffmpeg on its write end (src/ingest/frame-pipe.ts), the worker
 * reads the other end whenever poll(2) reports it readable. A frame then crosses memory once (the
 * kernel's copy into the slot) on the thread that analyses it, which finds it in its own cache.
 *
 * The pipe holds a whole frame, so a read usually brings one; a read that brings part of one continues
 * in the same slot. No allocation a frame.
 */
import { EAGAIN, pipeAvailable, readInto } from '../native/index.ts';
import type { PipeEvent } from '../protocol.ts';
import { stampNow } from '../ring/clock.ts';
import type { FrameRingProducer } from '../ring/producer.ts';

/** Why a pipe stopped: its end (every writer closed: ffmpeg exited) or a read error (errno). */
export type PipeEnd = { kind: 'eof' } | { kind: 'error'; errno: number };

export class PipeReader {
  /** Complete frames committed from this run. */
  frames = 0;
  /** Reads that returned bytes: about one a frame. */
  reads = 0;
  /** Set once the pipe ended; the reader does nothing more. */
  end: PipeEnd | null = null;
  private slot: Uint8Array | null = null;
  private readonly probe = new Uint8Array(1);
  private filled = 0;
  private readonly frameBytes: number;
  /** When the last complete frame arrived (epochMs clock), stamped without allocating. */
  readonly lastFrame = new Float64Array(1);

  constructor(
    readonly camera: string,
    readonly fd: number,
    readonly run: number,
    private readonly producer: FrameRingProducer,
  ) {
    this.frameBytes = producer.ring.frameBytes;
  }

  /**
   * Reads what the pipe holds, at most up to the end of one frame (a flooding camera gets a frame a
   * pass like the others). Returns 1 when a frame was committed. Call when poll reported the fd.
   */
  pump(): number {
    if (this.end !== null) return 0;
    if (this.slot === null) {
      // A slot is claimed only for bytes that are there: with every slot full, claiming one drops the
      // oldest frame, which a poll woken by the pipe's end must not do.
      const available = pipeAvailable(this.fd);
      if (available <= 0) return available < 0 ? this.ended(-available) : this.probeEnd();
      // The first byte's arrival is the closest we get to the capture time of a decoded frame: acquire
      // stamps it into the slot, commitCapturedAtAcquire keeps it.
      this.slot = this.producer.acquire();
    }
    const n = readInto(this.fd, this.slot, this.filled, this.frameBytes - this.filled);
    if (n > 0) {
      this.reads++;
      this.filled += n;
      if (this.filled < this.frameBytes) return 0;
      this.producer.commitCapturedAtAcquire(this.frames);
      this.slot = null;
      this.filled = 0;
      this.frames++;
      stampNow(this.lastFrame, 0);
      return 1;
    }
    if (n === -EAGAIN) {
      if (this.filled === 0) this.giveBack();
      return 0;
    }
    return n === 0 ? this.ended(0) : this.ended(-n);
  }

  /** An empty pipe that polled readable: at its end (every writer gone), or woken for nothing. */
  private probeEnd(): number {
    const n = readInto(this.fd, this.probe, 0, 1);
    if (n === -EAGAIN) return 0;
    if (n <= 0) return this.ended(-n);
    // A byte arrived since: it starts a frame.
    this.slot = this.producer.acquire();
    this.slot[0] = this.probe[0] as number;
    this.filled = 1;
    return this.pump();
  }

  /** `errno` 0: the pipe's end. */
  private ended(errno: number): number {
    this.end = errno === 0 ? { kind: 'eof' } : { kind: 'error', errno };
    this.stop();
    return 0;
  }

  /** Stops reading: a frame half read is dropped (counted as incomplete). The fd stays open (the coordinator owns it). */
  stop(): void {
    if (this.filled > 0) this.producer.abort();
    else this.giveBack();
    this.slot = null;
    this.filled = 0;
  }

  /** A slot claimed for a read that brought nothing goes back unnoticed. */
  private giveBack(): void {
    if (this.slot === null) return;
    this.producer.release();
    this.slot = null;
  }
}

/** What a worker reports of a reader whose pipe ended: frames read and the read error, if one ended it. */
export function endedEvent(reader: PipeReader): Extract<PipeEvent, { kind: 'ended' }> {
  const { camera, run, frames, end } = reader;
  return { kind: 'ended', camera, run, frames, errno: end?.kind === 'error' ? end.errno : null };
}
