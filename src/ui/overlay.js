// Draws a camera's detections over its live video, each frame: requestVideoFrameCallback gives the
// shown frame's mediaTime, the player's clock turns it into wall-clock capture time, and the
// detections message whose captureMs is nearest (within `toleranceMs`) is drawn: box, label, score,
// track id, plus the camera's zones. Boxes are in analysis-frame pixels (`frameSize`), scaled to the
// video's displayed size.

const KEEP_MS = 10000;

export class DetectionOverlay {
  #video;
  #canvas;
  #player;
  /** Detections messages, oldest first. */
  #frames = [];
  zones = [];
  frameSize = null;
  toleranceMs = 200;
  /** What the tests read: the capture time drawn and the detections' own, for the last frame. */
  last = { captureMs: null, drawnMs: null, boxes: [], frameSize: null };

  constructor(video, canvas, player) {
    this.#video = video;
    this.#canvas = canvas;
    this.#player = player;
    const step = (_now, meta) => {
      this.#draw(meta.mediaTime);
      video.requestVideoFrameCallback(step);
    };
    video.requestVideoFrameCallback(step);
  }

  add(message) {
    this.#frames.push(message);
    const until = message.captureMs - KEEP_MS;
    while (this.#frames.length > 0 && this.#frames[0].captureMs < until) this.#frames.shift();
  }

  #nearest(captureMs) {
    let best = null;
    for (const frame of this.#frames) {
      if (best === null || Math.abs(frame.captureMs - captureMs) < Math.abs(best.captureMs - captureMs)) best = frame;
    }
    return best !== null && Math.abs(best.captureMs - captureMs) <= this.toleranceMs ? best : null;
  }

  #draw(mediaTime) {
    const video = this.#video;
    const canvas = this.#canvas;
    const width = video.clientWidth;
    const height = video.clientHeight;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, width, height);
    if (video.videoWidth === 0) return;
    // object-fit: contain: the picture's rectangle inside the element.
    const scale = Math.min(width / video.videoWidth, height / video.videoHeight);
    const shownW = video.videoWidth * scale;
    const shownH = video.videoHeight * scale;
    const left = (width - shownW) / 2;
    const top = (height - shownH) / 2;
    ctx.lineWidth = 2;
    ctx.strokeStyle = 'rgba(255, 200, 0, 0.9)';
    for (const points of this.zones) {
      ctx.beginPath();
      points.forEach(([x, y], i) =>
        i === 0 ? ctx.moveTo(left + x * shownW, top + y * shownH) : ctx.lineTo(left + x * shownW, top + y * shownH),
      );
      ctx.closePath();
      ctx.stroke();
    }
    const captureMs = this.#player.captureMs(mediaTime);
    const frame = captureMs === null ? null : this.#nearest(captureMs);
    const [fw, fh] = this.frameSize ?? [video.videoWidth, video.videoHeight];
    this.last = { captureMs, drawnMs: frame?.captureMs ?? null, boxes: frame?.detections.map((d) => d.box) ?? [], frameSize: [fw, fh] };
    if (frame === null) return;
    const sx = shownW / fw;
    const sy = shownH / fh;
    ctx.font = '13px system-ui, sans-serif';
    for (const d of frame.detections) {
      const x = left + d.box.x * sx;
      const y = top + d.box.y * sy;
      ctx.strokeStyle = d.trackId === null ? 'rgba(0, 200, 255, 0.9)' : 'rgba(0, 255, 80, 0.95)';
      ctx.strokeRect(x, y, d.box.width * sx, d.box.height * sy);
      const text = `${d.label} ${Math.round(d.score * 100)}%${d.trackId === null ? '' : ` #${d.trackId}`}`;
      ctx.fillStyle = 'rgba(0, 0, 0, 0.6)';
      ctx.fillRect(x, Math.max(0, y - 16), ctx.measureText(text).width + 6, 16);
      ctx.fillStyle = '#fff';
      ctx.fillText(text, x + 3, Math.max(12, y - 4));
    }
  }
}
