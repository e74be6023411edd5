// The camera grid (index.html): a tile per camera with its newest frame (latest.jpg) or, for the first
// few tiles in view, its live video (live-player.js), its state, fps, drops and last event. The camera
// list and each visible tile's stats and still frame are polled every 5 s; /ws brings state changes
// and events in between. At most MAX_LIVE tiles play at once, so a site of 100 cameras does not open 100 streams:
// the tiles the operator started (Live), then the first ONLINE tiles in view, in grid order.
import { blobUrl, followFeed, getJson } from './api.js';
import { LivePlayer } from './live-player.js';

export const MAX_LIVE = 4;

export class CameraGrid {
  #list;
  #tiles = new Map();
  /** Camera ids the operator started with Live, oldest first. */
  #pinned = [];
  #visible = new Set();
  #observer;

  constructor(list) {
    this.#list = list;
    this.#observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const id = entry.target.dataset.camera;
        if (entry.isIntersecting) this.#visible.add(id);
        else {
          this.#visible.delete(id);
          this.#stopLive(id);
        }
      }
      this.#fillLive();
      this.#pollStats();
    });
  }

  /** The live players, for the tests and the devtools console. */
  get players() {
    return new Map([...this.#tiles].filter(([, t]) => t.player).map(([id, t]) => [id, t.player]));
  }

  /** Shows the cameras from GET /api/v1/cameras (every 5 s, with the visible tiles' stats); true when some are new. */
  update(cameras) {
    const ids = new Set(cameras.map((c) => c.id));
    for (const [id, tile] of this.#tiles) {
      if (ids.has(id)) continue;
      this.#stopLive(id);
      this.#observer.unobserve(tile.item);
      this.#visible.delete(id);
      if (tile.img.src.startsWith('blob:')) URL.revokeObjectURL(tile.img.src);
      tile.item.remove();
      this.#tiles.delete(id);
    }
    const added = [];
    for (const camera of cameras) {
      let tile = this.#tiles.get(camera.id);
      if (!tile) {
        tile = this.#tile(camera);
        added.push(camera.id);
        this.#list.append(tile.item);
      }
      tile.camera = camera;
      tile.link.textContent = camera.name;
      this.#showState(tile, camera.state, camera.enabled);
      if (tile.stats === null) tile.fps.textContent = `${camera.inputFps.toFixed(1)} fps`;
    }
    for (const id of added) this.#lastEvent(id);
    this.#fillLive();
    this.#pollStats();
    return added.length > 0;
  }

  /** What /ws subscribes to: every shown camera (a filter holds 256 names at most; more follow everything). */
  subscriptions() {
    const ids = [...this.#tiles.keys()];
    if (ids.length > 256) return [{ all: true }];
    const out = [];
    for (let i = 0; i < ids.length; i += 64) out.push({ cameras: ids.slice(i, i + 64) });
    return out;
  }

  onMessage(message) {
    if (message.type === 'state') {
      const tile = this.#tiles.get(message.camera);
      if (tile) this.#showState(tile, message.to, tile.camera.enabled);
      this.#fillLive();
    } else if (message.type === 'event') this.#showEvent(message.event);
  }

  #tile(camera) {
    const item = document.createElement('li');
    item.className = 'tile';
    item.dataset.camera = camera.id;
    const href = `/ui/camera.html?camera=${encodeURIComponent(camera.id)}`;
    // The picture opens the camera page too; a div, so the name link is the tile's one link.
    const view = document.createElement('div');
    view.className = 'view';
    view.addEventListener('click', () => {
      location.href = href;
    });
    const img = document.createElement('img');
    img.alt = '';
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.hidden = true;
    view.append(img, video);
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'live-toggle';
    toggle.textContent = 'Live';
    const link = document.createElement('a');
    link.href = href;
    link.className = 'name';
    const facts = document.createElement('div');
    facts.className = 'state';
    const badge = document.createElement('span');
    badge.className = 'badge';
    const fps = document.createElement('span');
    const drops = document.createElement('span');
    facts.append(badge, ' ', fps, ' ', drops);
    const last = document.createElement('div');
    last.className = 'state last';
    last.textContent = 'no events';
    item.append(view, toggle, link, facts, last);
    const tile = {
      item,
      img,
      video,
      toggle,
      link,
      badge,
      fps,
      drops,
      last,
      camera,
      player: null,
      stats: null,
      event: null,
      shotFor: null,
      /** Not to go live by itself: the operator pressed Still, or its stream was refused for good. */
      off: false,
    };
    toggle.addEventListener('click', () => {
      const id = camera.id;
      this.#pinned = this.#pinned.filter((x) => x !== id);
      tile.off = tile.player !== null;
      tile.refusedIn = undefined;
      if (tile.player) this.#stopLive(id);
      else {
        if (this.#pinned.length >= MAX_LIVE) this.#stopLive(this.#pinned.shift());
        this.#pinned.push(id);
      }
      this.#fillLive();
    });
    this.#tiles.set(camera.id, tile);
    this.#observer.observe(item);
    return tile;
  }

  #showState(tile, state, enabled) {
    tile.badge.textContent = enabled ? state : `${state} · disabled`;
    tile.badge.dataset.state = state;
    // A stream refused for good may play again once the camera's state has changed.
    if (tile.refusedIn !== undefined && tile.refusedIn !== state) {
      tile.off = false;
      tile.refusedIn = undefined;
    }
    tile.state = state;
  }

  #startLive(id) {
    const tile = this.#tiles.get(id);
    if (!tile || tile.player) return;
    tile.video.hidden = false;
    tile.player = new LivePlayer(tile.video, id, {
      onStatus: (state) => {
        tile.item.dataset.live = state;
        if (state !== 'stopped') return;
        // Refused for good (disabled, removed): not again until the camera's state changes.
        tile.off = true;
        tile.refusedIn = tile.state;
        this.#pinned = this.#pinned.filter((x) => x !== id);
        this.#stopLive(id);
        this.#fillLive();
      },
    });
    tile.player.start();
    tile.toggle.textContent = 'Still';
  }

  #stopLive(id) {
    const tile = this.#tiles.get(id);
    this.#pinned = this.#pinned.filter((x) => x !== id);
    if (!tile?.player) return;
    tile.player.stop();
    tile.player = null;
    tile.video.hidden = true;
    tile.toggle.textContent = 'Live';
    delete tile.item.dataset.live;
  }

  /** Plays the pinned tiles, then the first ONLINE tiles in view the operator did not stop; stops the rest. */
  #fillLive() {
    const wanted = new Set(this.#pinned);
    for (const [id, tile] of this.#tiles) {
      if (wanted.size >= MAX_LIVE) break;
      if (this.#visible.has(id) && !tile.off && tile.state === 'ONLINE') wanted.add(id);
    }
    for (const [id, tile] of this.#tiles) if (tile.player && !wanted.has(id)) this.#stopLive(id);
    for (const id of wanted) this.#startLive(id);
  }

  async #pollStats() {
    for (const id of this.#visible) {
      const tile = this.#tiles.get(id);
      if (!tile || tile.polling) continue;
      tile.polling = true;
      try {
        const stats = await getJson(`/api/v1/streams/${encodeURIComponent(id)}/stats`);
        tile.stats = stats;
        tile.fps.textContent = `${stats.inputFps.toFixed(1)} fps · analysed ${stats.analysedFps.toFixed(1)}`;
        tile.drops.textContent = `· drops ${stats.drops.ring_full + stats.drops.incomplete}`;
        if (!tile.player) await this.#showLatest(tile, id);
      } catch {
        // A camera removed meanwhile: the next list poll drops its tile.
      } finally {
        tile.polling = false;
      }
    }
  }

  async #lastEvent(id) {
    try {
      const page = await getJson(`/api/v1/events?camera=${encodeURIComponent(id)}&limit=1`);
      if (page.events[0]) this.#showEvent(page.events[0]);
    } catch {}
  }

  async #showEvent(event) {
    const tile = this.#tiles.get(event.camera);
    if (!tile) return;
    if (tile.event && tile.event.id !== event.id && tile.event.startMs > event.startMs) return;
    tile.event = event;
    tile.last.textContent = `${event.label} · ${new Date(event.startMs).toLocaleTimeString()}${event.endMs === null ? ' · ongoing' : ''}`;
  }

  /** The camera's newest frame as the tile's still (none yet: the previous one stays). */
  async #showLatest(tile, id) {
    const url = await blobUrl(`/api/v1/cameras/${encodeURIComponent(id)}/latest.jpg`).catch(() => null);
    if (url === null) return;
    const previous = tile.img.src;
    tile.img.src = url;
    if (previous.startsWith('blob:')) URL.revokeObjectURL(previous);
  }
}

export function followGrid(grid) {
  return followFeed(
    () => grid.subscriptions(),
    (message) => grid.onMessage(message),
  );
}
