/**
 * One viewer of a restream, with its own backpressure: a fragment is sent only while the viewer's
 * socket has less than `maxBufferedBytes` waiting; above it the viewer is skipped ahead, sent nothing
 * until its buffer drains and then resumed on the next key frame (a decoder cannot start elsewhere).
 * A viewer still over the limit after `maxBehindKeyFrames` key frames have passed it by is dropped.
 * Either way the restream and the other viewers never wait for it.
 *
 * Messages: a JSON text `{type: 'codec', codec, mime}`, the init segment (binary), then fragments
 * (binary, moof+mdat, the first a key frame), each after a text `{type: 'clock', mediaS, wallMs}`: the
 * fragment's media time (seconds, what the video element reports) and when the gateway read it (epoch ms).
 */
import type { LiveFragment, LiveViewer } from './restream.ts';

/** What the viewer needs of its socket (a uWS WebSocket in the server, anything in a test). */
export interface ViewerSocket {
  buffered(): number;
  send(data: string | Buffer): void;
  close(code: number, reason: string): void;
}

export interface ViewerCounters {
  /** Times a viewer was skipped ahead to the next key frame. */
  skips: number;
  /** Viewers dropped because they stayed behind. */
  dropped: number;
  /** Fragments sent to viewers. */
  sent: number;
}

export interface PacingOptions {
  maxBufferedBytes: number;
  maxBehindKeyFrames: number;
}

export const CLOSE_TOO_SLOW = 1013;
export const CLOSE_SOURCE_ENDED = 1011;

export class PacedViewer implements LiveViewer {
  readonly #socket: ViewerSocket;
  readonly #counters: ViewerCounters;
  readonly #options: PacingOptions;
  #started = false;
  #waitingForKey = true;
  #behindKeyFrames = 0;
  #closed = false;

  constructor(socket: ViewerSocket, counters: ViewerCounters, options: PacingOptions) {
    this.#socket = socket;
    this.#counters = counters;
    this.#options = options;
  }

  start(codec: string, init: Buffer): void {
    if (this.#closed) return;
    this.#socket.send(JSON.stringify({ type: 'codec', codec, mime: `video/mp4; codecs="${codec}"` }));
    this.#socket.send(init);
    this.#started = true;
    this.#waitingForKey = true;
  }

  fragment(fragment: LiveFragment): void {
    if (!this.#started || this.#closed) return;
    if (this.#socket.buffered() > this.#options.maxBufferedBytes) {
      if (!this.#waitingForKey) {
        this.#waitingForKey = true;
        this.#counters.skips += 1;
      }
      if (fragment.key && ++this.#behindKeyFrames > this.#options.maxBehindKeyFrames) {
        this.#counters.dropped += 1;
        this.close(CLOSE_TOO_SLOW, 'too slow: stayed behind the live edge');
      }
      return;
    }
    if (this.#waitingForKey) {
      if (!fragment.key) return;
      this.#waitingForKey = false;
      this.#behindKeyFrames = 0;
    }
    // The clock first: the player maps the fragment's media time to wall-clock capture time with it.
    if (fragment.mediaS !== null)
      this.#socket.send(JSON.stringify({ type: 'clock', mediaS: fragment.mediaS, wallMs: fragment.receivedMs }));
    this.#socket.send(fragment.data);
    this.#counters.sent += 1;
  }

  end(reason: string): void {
    if (this.#closed) return;
    this.#socket.send(JSON.stringify({ type: 'error', error: { code: 'E_LIVE_SOURCE', message: reason } }));
    this.close(CLOSE_SOURCE_ENDED, 'live stream ended');
  }

  /** Closes the socket once; the route's close handler removes the viewer from its restream. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close(code, reason);
  }
}
