/** The live video settings (config `http.live`) and their defaults, on their own so the config schema imports nothing else of src/live/. */
export interface LiveSettings {
  /** Viewers of one camera at once; the next is refused with E_BUSY. */
  maxViewersPerCamera: number;
  /** ffmpeg keeps running this long after the last viewer left. */
  idleStopMs: number;
  /** Bytes a viewer's socket may hold unsent before it is skipped ahead to the next key frame. */
  maxBufferedBytes: number;
  /** Key frames a viewer may stay behind before it is dropped. */
  maxBehindKeyFrames: number;
  /** An HLS session not fetched for this long is closed. */
  hlsIdleMs: number;
}

export const DEFAULT_LIVE_SETTINGS: LiveSettings = {
  maxViewersPerCamera: 16,
  idleStopMs: 5000,
  // About 4 s of a 4 Mbit/s main stream: a viewer on a slow link is skipped before it drifts far behind.
  maxBufferedBytes: 2 * 1024 * 1024,
  maxBehindKeyFrames: 3,
  // Players poll the playlist every target duration (1-10 s); a paused tab may stop for longer.
  hlsIdleMs: 30_000,
};
