/**
 * Why a camera's segments are kept: the time windows of its events ([start - pre, end + post], open
 * while the event runs) and of its motion, and the decision for a segment once no future event can
 * still reach it. An event is published some time after its first frame was captured (tracking and
 * the decision rules need several frames, inference may queue), so a segment is decided only when its
 * end is more than the pre-roll plus DECISION_LAG_MS in the past.
 */
import type { CameraRecording, KeepClass } from '../../config/recording-schema.ts';

/** Longest delay from an event's first frame to its start message that keeps its pre-roll whole. */
export const DECISION_LAG_MS = 15_000;

/** Most windows a camera keeps; beyond it the oldest closed ones go first (counted). */
export const MAX_WINDOWS = 1000;

export interface Window {
  fromMs: number;
  /** Infinity while the event runs. */
  toMs: number;
}

export class KeepWindows {
  #settings: CameraRecording;
  readonly #events = new Map<string, Window>();
  #motion: Window[] = [];
  /** Windows dropped at the cap before they expired. */
  dropped = 0;

  readonly #lagMs: number;

  constructor(settings: CameraRecording, lagMs = DECISION_LAG_MS) {
    this.#settings = settings;
    this.#lagMs = lagMs;
  }

  set settings(next: CameraRecording) {
    this.#settings = next;
  }

  get settings(): CameraRecording {
    return this.#settings;
  }

  eventStarted(id: string, startMs: number): void {
    if (this.#events.size >= MAX_WINDOWS) this.#dropOldestEvent();
    this.#events.set(id, { fromMs: startMs - this.#settings.preRollSeconds * 1000, toMs: Number.POSITIVE_INFINITY });
  }

  eventEnded(id: string, startMs: number, endMs: number): void {
    const pre = this.#settings.preRollSeconds * 1000;
    const post = this.#settings.postRollSeconds * 1000;
    this.#events.set(id, { fromMs: startMs - pre, toMs: endMs + post });
  }

  /** The event's window while it is kept (until pruned). */
  eventWindow(id: string): Readonly<Window> | undefined {
    return this.#events.get(id);
  }

  /** The events whose windows overlap [startMs, endMs). */
  *eventsOverlapping(startMs: number, endMs: number): Generator<[string, Readonly<Window>]> {
    for (const entry of this.#events) if (entry[1].fromMs < endMs && entry[1].toMs > startMs) yield entry;
  }

  /** A frame with motion at `atMs`: extends the last motion window or opens one (no allocation then). */
  motion(atMs: number): void {
    if (this.#settings.mode !== 'motion' && this.#settings.mode !== 'continuous') return;
    const pre = this.#settings.preRollSeconds * 1000;
    const post = this.#settings.postRollSeconds * 1000;
    const last = this.#motion.at(-1);
    if (last && atMs - pre <= last.toMs) {
      if (atMs + post > last.toMs) last.toMs = atMs + post;
      return;
    }
    if (this.#motion.length >= MAX_WINDOWS) {
      this.#motion.shift();
      this.dropped++;
    }
    this.#motion.push({ fromMs: atMs - pre, toMs: atMs + post });
  }

  /**
   * Why a segment [startMs, endMs) is kept (null: it is not), or 'pending' while a future event could
   * still reach it at `nowMs`.
   */
  decide(startMs: number, endMs: number, nowMs: number): KeepClass | 'pending' | null {
    if (overlapsAny(this.#events.values(), startMs, endMs)) return 'events';
    if (endMs > nowMs - this.#settings.preRollSeconds * 1000 - this.#lagMs) return 'pending';
    if (overlapsAny(this.#motion, startMs, endMs)) return 'motion';
    return this.#settings.mode === 'continuous' ? 'continuous' : null;
  }

  /** Drops closed windows that end before `beforeMs` (every segment they could keep is decided). */
  prune(beforeMs: number): void {
    for (const [id, w] of this.#events) if (w.toMs < beforeMs) this.#events.delete(id);
    const keep = this.#motion.findIndex((w) => w.toMs >= beforeMs);
    this.#motion = keep < 0 ? [] : this.#motion.slice(keep);
  }

  #dropOldestEvent(): void {
    let oldest: [string, Window] | undefined;
    for (const entry of this.#events)
      if (entry[1].toMs !== Number.POSITIVE_INFINITY && (!oldest || entry[1].toMs < oldest[1].toMs)) oldest = entry;
    const [id] = oldest ?? this.#events.entries().next().value ?? [];
    if (id !== undefined) this.#events.delete(id);
    this.dropped++;
  }
}

function overlapsAny(windows: Iterable<Window>, startMs: number, endMs: number): boolean {
  for (const w of windows) if (w.fromMs < endMs && w.toMs > startMs) return true;
  return false;
}
