/**
 * One HLS viewer of a camera's restream: the fragments it is handed, grouped into segments of one key
 * frame interval each (fMP4, RFC 8216 EXT-X-MAP), the last few kept, and the media playlist over them.
 * Nothing is re-encoded or copied twice: a segment is the concatenation of the restream's fragments,
 * made once when the next key frame closes it.
 */
import type { LiveFragment, LiveViewer } from './restream.ts';

export interface HlsSegment {
  /** Media sequence number (EXT-X-MEDIA-SEQUENCE counts these). */
  sequence: number;
  data: Buffer;
  durationS: number;
  /** Wall-clock time (epoch ms) the gateway read the segment's first frame: EXT-X-PROGRAM-DATE-TIME. */
  startMs: number;
}

/** Segments a playlist lists (RFC 8216 6.2.2: at least three target durations' worth). */
const WINDOW = 6;

export class HlsSegments implements LiveViewer {
  #codec: string | null = null;
  #init: Buffer | null = null;
  #open: LiveFragment[] = [];
  #segments: HlsSegment[] = [];
  #next = 0;
  #ended: string | null = null;
  readonly #waiters = new Set<() => void>();

  get init(): Buffer | null {
    return this.#init;
  }

  get codec(): string | null {
    return this.#codec;
  }

  /** Why the restream ended under this viewer, or null while it runs. */
  get ended(): string | null {
    return this.#ended;
  }

  get segments(): readonly HlsSegment[] {
    return this.#segments;
  }

  segment(sequence: number): HlsSegment | undefined {
    return this.#segments.find((s) => s.sequence === sequence);
  }

  start(codec: string, init: Buffer): void {
    // A restarted restream has a new init segment and timeline: what was kept no longer decodes with it.
    if (this.#init !== null && !init.equals(this.#init)) {
      this.#segments = [];
      this.#open = [];
    }
    this.#codec = codec;
    this.#init = init;
  }

  fragment(fragment: LiveFragment): void {
    if (fragment.key && this.#open.length > 0) this.#close(fragment);
    // Joined between key frames: a segment must start on one.
    if (this.#open.length === 0 && !fragment.key) return;
    this.#open.push(fragment);
  }

  end(reason: string): void {
    this.#ended = reason;
    this.#wake();
  }

  /** Resolves once `count` segments are listed or the restream ended; false when `timeoutMs` passed first. */
  async waitFor(count: number, timeoutMs: number): Promise<boolean> {
    if (this.#segments.length >= count || this.#ended !== null) return true;
    return new Promise((resolve) => {
      const done = (): void => {
        if (this.#segments.length < count && this.#ended === null) return;
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(done);
        resolve(false);
      }, timeoutMs);
      this.#waiters.add(done);
    });
  }

  /** The media playlist; segment and init URIs are relative to it. */
  playlist(): string {
    // RFC 8216 4.3.3.1: each EXTINF rounded to the nearest integer is at most the target duration.
    const target = Math.max(1, ...this.#segments.map((s) => Math.round(s.durationS)));
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      `#EXT-X-TARGETDURATION:${target}`,
      `#EXT-X-MEDIA-SEQUENCE:${this.#segments[0]?.sequence ?? this.#next}`,
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MAP:URI="init.mp4"',
    ];
    for (const s of this.#segments) {
      lines.push(
        `#EXT-X-PROGRAM-DATE-TIME:${new Date(s.startMs).toISOString()}`,
        `#EXTINF:${s.durationS.toFixed(3)},`,
        `seg-${s.sequence}.m4s`,
      );
    }
    if (this.#ended !== null) lines.push('#EXT-X-ENDLIST');
    return `${lines.join('\n')}\n`;
  }

  /** Closes the open segment at `next`, the key frame that starts the following one. */
  #close(next: LiveFragment): void {
    const first = this.#open[0] as LiveFragment;
    const mediaS = first.mediaS !== null && next.mediaS !== null ? next.mediaS - first.mediaS : null;
    const durationS = mediaS !== null && mediaS > 0 ? mediaS : (next.receivedMs - first.receivedMs) / 1000;
    this.#segments.push({
      sequence: this.#next,
      data: Buffer.concat(this.#open.map((f) => f.data)),
      durationS,
      startMs: first.receivedMs,
    });
    this.#next += 1;
    if (this.#segments.length > WINDOW) this.#segments.shift();
    this.#open = [];
    this.#wake();
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
