/**
 * The pipes a channel worker reads (one PipeReader a camera's current ffmpeg run) and its wake pipe,
 * polled together: the drain loop's wait when it has pipes. The wake pipe lets the coordinator
 * interrupt a poll for a control request (Doorbell.requestControl writes to it).
 */
import { pollReadable, readInto } from '../native/index.ts';
import type { PipeReader } from './pipe-reader.ts';

/** Most pipes a worker polls (cameras a worker); more throw. */
const MAX_PIPES = 1024;

export class PipeSet {
  private readonly readers: PipeReader[] = [];
  /** fds[0] is the wake pipe (when there is one), then the readers' fds in order. */
  private readonly fds = new Int32Array(MAX_PIPES + 1);
  private readonly ready = new Uint8Array(MAX_PIPES + 1);
  private readonly drain = new Uint8Array(64);
  private readonly first: number;

  /**
   * `wakeFd`: the read end of the worker's wake pipe, -1 for none. `events.firstFrame` runs after a
   * reader's first frame, `events.ended` for a reader whose pipe ended (removed from the set first).
   */
  constructor(
    private readonly wakeFd: number,
    private readonly events: { firstFrame(reader: PipeReader): void; ended(reader: PipeReader): void },
  ) {
    this.first = wakeFd >= 0 ? 1 : 0;
    if (wakeFd >= 0) this.fds[0] = wakeFd;
  }

  get size(): number {
    return this.readers.length;
  }

  /** Whether a poll wakes for control requests (else the caller bounds its waits). */
  get wakeable(): boolean {
    return this.first === 1;
  }

  add(reader: PipeReader): void {
    if (this.readers.length >= MAX_PIPES) throw new Error(`a channel worker reads at most ${MAX_PIPES} pipes`);
    this.readers.push(reader);
    this.fds[this.first + this.readers.length - 1] = reader.fd;
  }

  remove(reader: PipeReader): boolean {
    const i = this.readers.indexOf(reader);
    if (i < 0) return false;
    this.readers.splice(i, 1);
    for (let j = i; j < this.readers.length; j++) this.fds[this.first + j] = (this.readers[j] as PipeReader).fd;
    return true;
  }

  /**
   * Waits at most `timeoutMs` (0: only looks) for a pipe with data, then reads each ready one (a frame
   * at most). Returns the frames committed.
   */
  poll(timeoutMs: number): number {
    const count = this.first + this.readers.length;
    if (count === 0) return 0;
    if (pollReadable(this.fds, this.ready, count, timeoutMs) === 0) return 0;
    if (this.first === 1 && this.ready[0] === 1) while (readInto(this.wakeFd, this.drain, 0, this.drain.length) > 0);
    let frames = 0;
    let ended = false;
    for (let i = 0; i < this.readers.length; i++) {
      if (this.ready[this.first + i] !== 1) continue;
      const reader = this.readers[i] as PipeReader;
      const took = reader.pump();
      frames += took;
      if (took === 1 && reader.frames === 1) this.events.firstFrame(reader);
      if (reader.end !== null) ended = true;
    }
    if (ended) {
      for (const reader of this.readers.filter((r) => r.end !== null)) {
        this.remove(reader);
        this.events.ended(reader);
      }
    }
    return frames;
  }
}
