/**
 * The recent events the API lists (`GET /events`): the latest state of each event, newest first,
 * bounded so a busy site cannot grow it without end. Fed by the event bus.
 */
import type { DetectionEvent, EventMessage } from '../analytics/events.ts';
import type { EventQuery } from '../outputs/site.ts';

export class EventHistory {
  private readonly events = new Map<string, Readonly<DetectionEvent>>();
  private readonly max: number;

  constructor(max = 1000) {
    this.max = max;
  }

  record(message: EventMessage): void {
    // Re-inserting moves the event to the newest end of the map's order.
    this.events.delete(message.event.id);
    this.events.set(message.event.id, message.event);
    while (this.events.size > this.max) this.events.delete(this.events.keys().next().value as string);
  }

  get(id: string): Readonly<DetectionEvent> | undefined {
    return this.events.get(id);
  }

  query(q: EventQuery): DetectionEvent[] {
    const out: DetectionEvent[] = [];
    const limit = q.limit ?? 100;
    for (const e of [...this.events.values()].reverse()) {
      if (out.length >= limit) break;
      if (q.camera !== undefined && e.camera !== q.camera) continue;
      if (q.label !== undefined && e.label !== q.label) continue;
      if (q.sinceMs !== undefined && e.startMs < q.sinceMs) continue;
      out.push(e);
    }
    return out;
  }
}
