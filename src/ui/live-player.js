// Plays a camera's live video: fragmented MP4 from the gateway's WebSocket
// (/api/v1/cameras/{id}/live.mp4) into Media Source Extensions. Messages: {type:'codec'} (text), the
// init segment, then fragments (binary), the first one a key frame; {type:'error'} before a close.
// It stays near the live edge: more than maxLagS behind it jumps to the edge, a little behind it plays
// faster until caught up, and video already played is removed from the buffer. A dropped connection
// is retried after 2 s, doubling up to 30 s while nothing plays.
// Clock: each fragment comes after {type:'clock', mediaS, wallMs}, when the gateway read it. The
// smallest wallMs - mediaS*1000 over the last 10 s (the fragment that waited least on its way) maps
// the shown frame's media time to its wall-clock capture time: captureMs(mediaTime).
// Without Media Source Extensions it plays the camera over HLS when the browser can (hls-player.js);
// that carries no clock, so captureMs is then null.
import { token, wsUrl } from './api.js';
import { canPlayNativeHls, HlsPlayback } from './hls-player.js';

const DEFAULTS = { maxLagS: 1.5, targetLagS: 0.3, keepBehindS: 4, retryMs: 2000, maxRetryMs: 30000 };
/** Close codes after which reconnecting would only be refused again. */
const FINAL = new Set([4401, 4404, 4409]);

export class LivePlayer {
  #video;
  #camera;
  #options;
  #onStatus;
  #ws = null;
  #mediaSource = null;
  #buffer = null;
  #queue = [];
  #stopped = false;
  #retryTimer = 0;
  /** Reconnects since video last played: each waits twice as long, so a dead camera is not hammered. */
  #failures = 0;
  /** What the page and the tests read: fragments appended, jumps to the edge, the last lag. */
  stats = { fragments: 0, jumps: 0, lagS: 0, codec: '' };
  /** [receivedMs, wallMs - mediaS*1000] of recent fragments. */
  #clock = [];
  /** The HLS fallback while it plays, else null. */
  #hls = null;

  constructor(video, camera, { onStatus = () => {}, ...options } = {}) {
    this.#video = video;
    this.#camera = camera;
    this.#options = { ...DEFAULTS, ...options };
    this.#onStatus = onStatus;
    video.muted = true;
    video.playsInline = true;
    video.addEventListener('timeupdate', () => {
      if (this.#hls === null) this.#keepLive();
    });
  }

  /** 'mse' (the low-latency WebSocket stream) or 'hls' (the fallback without Media Source Extensions). */
  get mode() {
    return this.#hls === null ? 'mse' : 'hls';
  }

  start() {
    this.#stopped = false;
    if (!('MediaSource' in window) && canPlayNativeHls(this.#video)) {
      this.#hls ??= new HlsPlayback(this.#video, this.#camera, this.#onStatus);
      this.#hls.start();
      return;
    }
    this.#connect();
  }

  stop() {
    this.#stopped = true;
    this.#hls?.stop();
    clearTimeout(this.#retryTimer);
    this.#ws?.close();
    this.#reset();
  }

  #connect() {
    const ws = new WebSocket(wsUrl(`/api/v1/cameras/${encodeURIComponent(this.#camera)}/live.mp4`));
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    this.#onStatus('connecting');
    ws.onopen = () => {
      if (token()) ws.send(JSON.stringify({ type: 'auth', token: token() }));
    };
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') return this.#append(message.data);
      const parsed = JSON.parse(message.data);
      if (parsed.type === 'clock') this.#tick(parsed.mediaS, parsed.wallMs);
      else if (parsed.type === 'codec') this.#open(parsed.mime, parsed.codec);
      else if (parsed.type === 'error') this.#onStatus('error', `${parsed.error.code}: ${parsed.error.message}`);
    };
    ws.onclose = (event) => {
      if (this.#ws !== ws || this.#stopped) return;
      this.#reset();
      if (FINAL.has(event.code)) return this.#onStatus('stopped', event.reason);
      this.#onStatus('reconnecting', event.reason);
      const { retryMs, maxRetryMs } = this.#options;
      const delay = Math.min(maxRetryMs, retryMs * 2 ** this.#failures++ * (event.code === 4429 ? 5 : 1));
      this.#retryTimer = setTimeout(() => this.#connect(), delay);
    };
  }

  #tick(mediaS, wallMs) {
    this.#clock.push([wallMs, wallMs - mediaS * 1000]);
    while (this.#clock.length > 0 && this.#clock[0][0] < wallMs - 10000) this.#clock.shift();
  }

  /** The wall-clock capture time (epoch ms) of the frame at `mediaTime` seconds, or null before any clock. */
  captureMs(mediaTime) {
    if (this.#clock.length === 0) return null;
    let offset = Number.POSITIVE_INFINITY;
    for (const [, o] of this.#clock) offset = Math.min(offset, o);
    return mediaTime * 1000 + offset;
  }

  /** A codec message starts (or restarts) the stream: a fresh MediaSource for it. */
  #open(mime, codec) {
    this.#reset();
    if (!('MediaSource' in window) || !MediaSource.isTypeSupported(mime)) {
      this.#onStatus('error', `this browser cannot play ${codec} with Media Source Extensions`);
      this.#ws?.close();
      return;
    }
    this.stats.codec = codec;
    const mediaSource = new MediaSource();
    this.#mediaSource = mediaSource;
    this.#video.src = URL.createObjectURL(mediaSource);
    mediaSource.addEventListener(
      'sourceopen',
      () => {
        URL.revokeObjectURL(this.#video.src);
        const buffer = mediaSource.addSourceBuffer(mime);
        buffer.mode = 'segments';
        buffer.addEventListener('updateend', () => {
          this.#keepLive();
          this.#pump();
        });
        this.#buffer = buffer;
        this.#pump();
      },
      { once: true },
    );
  }

  #append(data) {
    if (this.#mediaSource === null) return;
    this.#queue.push(data);
    this.#pump();
  }

  #pump() {
    const buffer = this.#buffer;
    if (buffer === null || buffer.updating || this.#queue.length === 0) return;
    try {
      buffer.appendBuffer(this.#queue.shift());
      this.stats.fragments += 1;
    } catch (error) {
      // QuotaExceededError: what was played goes first; the fragment is dropped, the next key frame heals it.
      if (error.name === 'QuotaExceededError') this.#trim(true);
      else this.#onStatus('error', error.message);
    }
  }

  /** Jump to or speed towards the live edge, and drop video already played. */
  #keepLive() {
    const video = this.#video;
    const buffered = video.buffered;
    if (buffered.length === 0) return;
    const start = buffered.start(0);
    const end = buffered.end(buffered.length - 1);
    const lag = end - video.currentTime;
    this.stats.lagS = lag;
    if (video.currentTime < start || lag > this.#options.maxLagS) {
      video.currentTime = Math.max(start, end - this.#options.targetLagS);
      this.stats.jumps += 1;
    } else {
      // Up to 1.5x while behind: catches up in a few seconds without a visible jump.
      video.playbackRate = lag > this.#options.targetLagS * 2 ? Math.min(1.5, 1 + lag) : 1;
    }
    if (video.paused) {
      video.play().catch(() => {});
      this.#onStatus('playing');
    }
    this.#failures = 0;
    this.#trim(false);
  }

  #trim(force) {
    const buffer = this.#buffer;
    const video = this.#video;
    if (buffer === null || buffer.updating || video.buffered.length === 0) return;
    const start = video.buffered.start(0);
    const until = video.currentTime - this.#options.keepBehindS;
    if (until > start && (force || until - start > this.#options.keepBehindS)) buffer.remove(start, until);
  }

  #reset() {
    this.#queue = [];
    this.#clock = [];
    this.#buffer = null;
    if (this.#mediaSource !== null) {
      this.#mediaSource = null;
      this.#video.removeAttribute('src');
      this.#video.load();
    }
  }
}
