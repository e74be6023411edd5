/**
 * The clip state of each event (the events table's `clip`, with the window it covers): null while
 * nothing of its window [start - preRoll, end + postRoll] is recorded, `partial` once a segment
 * overlapping it is filed, `complete` once the event has ended and a filed segment reaches the end of
 * its post-roll. Either side can come first, so both update it: a filed segment (for the events whose
 * windows it overlaps) and an event's start or end (for the segments filed before it was published,
 * which happens: an event is published some seconds after its first frame). Writes go through the
 * event store's batch; segment-index.ts clears the state when the last segment of a window goes.
 */
import type { ClipState } from '../event-query.ts';
import type { EventStore } from '../event-store.ts';
import type { KeepWindows, Window } from './keep-windows.ts';
import type { Segment } from './segment-name.ts';
import type { SegmentStore } from './segment-store.ts';

/** What `segments` (overlapping the window) make of an event's clip. */
export function clipState(window: Readonly<Window>, segments: readonly Segment[]): ClipState | null {
  if (segments.length === 0) return null;
  const ended = Number.isFinite(window.toMs);
  return ended && segments.some((s) => s.endMs >= window.toMs) ? 'complete' : 'partial';
}

export class EventClips {
  readonly #events: EventStore;
  readonly #store: SegmentStore;

  constructor(events: EventStore, store: SegmentStore) {
    this.#events = events;
    this.#store = store;
  }

  /** A segment of the camera whose windows these are was filed. */
  segmentFiled(windows: KeepWindows, segment: Segment): void {
    for (const [id, window] of windows.eventsOverlapping(segment.startMs, segment.endMs)) this.#set(id, window, [segment]);
  }

  /**
   * The event started or ended: the segments filed in its window so far. A running event's window is
   * open, so at its end the state is decided again over the closed window, and cleared when that
   * holds no segment.
   */
  eventChanged(camera: string, windows: KeepWindows, id: string): void {
    const window = windows.eventWindow(id);
    if (window === undefined) return;
    const ended = Number.isFinite(window.toMs);
    const state = clipState(window, this.#store.overlapping(camera, window.fromMs, ended ? window.toMs : Number.MAX_SAFE_INTEGER));
    if (state !== null || ended) this.#events.setClip(id, state, window.fromMs, ended ? window.toMs : null);
  }

  #set(id: string, window: Readonly<Window>, segments: readonly Segment[]): void {
    const state = clipState(window, segments);
    if (state !== null) this.#events.setClip(id, state, window.fromMs, Number.isFinite(window.toMs) ? window.toMs : null);
  }
}
