// The fallback for browsers without Media Source Extensions but with native HLS (Safari on older
// iPhones): an HLS session opened with the token in a header, whose playlist URL holds a random session
// id instead of it, played by the video element itself. HLS latency: a key-frame interval and the
// browser's own buffer. A session that ends (idle, restream restarted) is replaced after 2 s.
import { token } from './api.js';

const RETRY_MS = 2000;

export function canPlayNativeHls(video) {
  return video.canPlayType('application/vnd.apple.mpegurl') !== '';
}

export class HlsPlayback {
  #video;
  #camera;
  #onStatus;
  #stopped = false;
  #retryTimer = 0;
  /** The session's playlist URL while one is open (the tests read it). */
  playlist = null;

  constructor(video, camera, onStatus) {
    this.#video = video;
    this.#camera = camera;
    this.#onStatus = onStatus;
    video.addEventListener('playing', () => {
      if (this.playlist !== null) this.#onStatus('playing');
    });
    video.addEventListener('error', () => {
      if (this.playlist === null || this.#stopped) return;
      this.#onStatus('reconnecting', 'the HLS session ended');
      this.#retry();
    });
  }

  async start() {
    this.#stopped = false;
    this.#onStatus('connecting');
    const headers = token() ? { authorization: `Bearer ${token()}` } : {};
    let res;
    try {
      res = await fetch(`/api/v1/cameras/${encodeURIComponent(this.#camera)}/live/hls`, { method: 'POST', headers });
    } catch (error) {
      this.#onStatus('reconnecting', error.message);
      return this.#retry();
    }
    const body = await res.json().catch(() => ({}));
    if (this.#stopped) return;
    if (res.status === 401 || res.status === 404 || res.status === 409) {
      return this.#onStatus('stopped', `${body?.error?.code ?? res.status}: ${body?.error?.message ?? ''}`);
    }
    if (!res.ok) {
      this.#onStatus('reconnecting', body?.error?.message ?? `HTTP ${res.status}`);
      return this.#retry();
    }
    this.playlist = body.playlist;
    this.#video.src = body.playlist;
    this.#video.play().catch(() => {});
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.playlist = null;
    this.#video.removeAttribute('src');
    this.#video.load();
  }

  #retry() {
    this.playlist = null;
    clearTimeout(this.#retryTimer);
    if (!this.#stopped) this.#retryTimer = setTimeout(() => this.start(), RETRY_MS);
  }
}
