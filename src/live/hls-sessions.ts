/**
 * HLS sessions, the fallback for players without Media Source Extensions: a client asks for one with
 * its token (POST), and gets a playlist URL holding a random session id instead of the token, so the
 * URLs a native player fetches, and any access log, never carry a credential. A session is a viewer of
 * the camera's restream like a WebSocket viewer (same limit per camera, same shared ffmpeg); it ends
 * when it has not been fetched for `idleMs`, and the restream stops after its last viewer as usual.
 */
import { randomBytes } from 'node:crypto';
import { HlsSegments } from './hls-segments.ts';
import type { LiveVideo } from './live-video.ts';

/** Segments a new session's first playlist waits for. */
const START_SEGMENTS = 3;

interface Session {
  camera: string;
  segments: HlsSegments;
  leave: () => void;
  usedMs: number;
  /** Playlist requests waiting for a first segment: the session is in use while they wait. */
  waiting: number;
}

export interface HlsSessionsOptions {
  /** A session not fetched for this long is closed (a player polls at least every target duration). */
  idleMs: number;
}

export class HlsSessions {
  readonly #live: LiveVideo;
  readonly #idleMs: number;
  readonly #sessions = new Map<string, Session>();
  readonly #sweep: NodeJS.Timeout;

  constructor(live: LiveVideo, options: HlsSessionsOptions) {
    this.#live = live;
    this.#idleMs = options.idleMs;
    this.#sweep = setInterval(() => this.#expire(), Math.max(250, Math.min(5000, options.idleMs / 4)));
    this.#sweep.unref();
  }

  /** Sessions open now. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Starts watching `camera`; throws as LiveVideo.join does (unknown, disabled, viewer limit, stopping). */
  open(camera: string): string {
    const segments = new HlsSegments();
    const leave = this.#live.join(camera, segments);
    const id = randomBytes(16).toString('base64url');
    this.#sessions.set(id, { camera, segments, leave, usedMs: Date.now(), waiting: 0 });
    return id;
  }

  /** The session's segments (and it counts as used now), or undefined for an unknown or expired id. */
  use(id: string): HlsSegments | undefined {
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    session.usedMs = Date.now();
    return session.segments;
  }

  /**
   * The session's playlist once it lists three segments (players start three target durations from the
   * live end, RFC 8216 6.3.3, and Chromium fails a live playlist with fewer) or its restream ended; after
   * `waitMs` whatever it lists; null when that is nothing, undefined for an unknown or expired id.
   */
  async playlist(id: string, waitMs: number): Promise<string | null | undefined> {
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    session.waiting += 1;
    try {
      await session.segments.waitFor(START_SEGMENTS, waitMs);
      return session.segments.segments.length > 0 || session.segments.ended !== null ? session.segments.playlist() : null;
    } finally {
      session.waiting -= 1;
      session.usedMs = Date.now();
    }
  }

  close(): void {
    clearInterval(this.#sweep);
    for (const session of this.#sessions.values()) session.leave();
    this.#sessions.clear();
  }

  #expire(): void {
    const now = Date.now();
    for (const [id, session] of this.#sessions) {
      // An ended restream's session stays for its last playlist (with ENDLIST) until it idles out too.
      if (session.waiting > 0 || now - session.usedMs <= this.#idleMs) continue;
      session.leave();
      this.#sessions.delete(id);
    }
  }
}
