/**
 * Sends what the site emits to the live feed's clients by the two routes of topics.ts: one uWS publish
 * per topic that has subscribers (serialised once), and a direct send to each label-filtering client
 * of the message's camera whose labels match (serialised once per distinct set of detections kept).
 * Nothing is built for a message no client follows.
 */
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { EventMessage } from '../../analytics/events.ts';
import type { CameraTransition } from '../../coordinator/camera-state.ts';
import type { DetectionsMessage, SiteControl } from '../site.ts';
import type { LabelledRoutes } from './labelled-routes.ts';
import { encodeSnapshotFrame, type ServerMessage } from './messages.ts';
import { labelMatches, messageTopics, stateTopics, type Filter } from './topics.ts';

/** What the fan-out reads of a socket's state. */
export interface FanoutClient {
  open: boolean;
  filter: Filter;
}

export interface FanoutOptions<C extends FanoutClient> {
  app: TemplatedApp;
  routes: LabelledRoutes<WebSocket<C>>;
  site: Pick<SiteControl, 'snapshot'>;
  /** After every send: the feed checks for slow sockets once per burst. */
  onSent: () => void;
  onSnapshotError: (error: unknown, eventId: string) => void;
}

export class Fanout<C extends FanoutClient> {
  readonly #options: FanoutOptions<C>;
  #published = 0;
  #closed = false;

  constructor(options: FanoutOptions<C>) {
    this.#options = options;
  }

  /** Messages handed to uWS: one per topic with subscribers, plus one per client served directly. */
  get published(): number {
    return this.#published;
  }

  close(): void {
    this.#closed = true;
  }

  detections(message: DetectionsMessage): void {
    if (this.#closed || message.detections.length === 0) return;
    this.#publish(messageTopics('detections', message.camera), () =>
      JSON.stringify({ type: 'detections', ...message } satisfies ServerMessage),
    );
    // Clients with the same labels get the same detections: one JSON text for each distinct subset.
    const bodies = new Map<string, string>();
    this.#options.routes.forCamera(message.camera, (ws) => {
      const { labels } = ws.getUserData().filter;
      const kept: DetectionsMessage['detections'] = [];
      let key = '';
      message.detections.forEach((d, i) => {
        if (!labels.has(d.label)) return;
        kept.push(d);
        key += `${i},`;
      });
      if (kept.length === 0) return;
      let body = bodies.get(key);
      if (body === undefined)
        bodies.set(key, (body = JSON.stringify({ type: 'detections', ...message, detections: kept } satisfies ServerMessage)));
      this.#send(ws, body, false);
    });
  }

  event({ type: phase, event }: EventMessage): void {
    if (this.#closed) return;
    const body = (): string => JSON.stringify({ type: 'event', phase, event } satisfies ServerMessage);
    this.#publish(messageTopics('events', event.camera), body);
    let text: string | undefined;
    const shots: Array<WebSocket<C>> = [];
    this.#options.routes.forCamera(event.camera, (ws) => {
      const { filter } = ws.getUserData();
      if (!labelMatches(filter, 'events', event.label)) return;
      this.#send(ws, (text ??= body()), false);
      if (labelMatches(filter, 'snapshots', event.label)) shots.push(ws);
    });
    const topics = messageTopics('snapshots', event.camera);
    if (phase !== 'end' || event.bestShot?.jpeg == null) return;
    if (shots.length === 0 && !topics.some((topic) => this.#options.app.numSubscribers(topic) > 0)) return;
    this.#options.site.snapshot(event.id).then(
      (jpeg) => {
        if (jpeg === null || this.#closed) return;
        let frame: Buffer | undefined;
        const encoded = (): Buffer => (frame ??= encodeSnapshotFrame(event.id, jpeg));
        this.#publish(topics, encoded, true);
        // A client that left while the JPEG was read is skipped: uWS forbids touching a closed socket.
        for (const ws of shots) if (ws.getUserData().open) this.#send(ws, encoded(), true);
      },
      (error: unknown) => this.#options.onSnapshotError(error, event.id),
    );
  }

  state(transition: CameraTransition): void {
    if (this.#closed) return;
    let text: string | undefined;
    const body = (): string => (text ??= JSON.stringify({ type: 'state', ...transition } satisfies ServerMessage));
    this.#publish(stateTopics(transition.camera), body);
    this.#options.routes.forCamera(transition.camera, (ws) => this.#send(ws, body(), false));
  }

  /** Publishes to the topics that have subscribers; `payload` is built only if one does. */
  #publish(topics: readonly string[], payload: () => string | Buffer, binary = false): void {
    const { app } = this.#options;
    let body: string | Buffer | undefined;
    for (const topic of topics) {
      if (app.numSubscribers(topic) === 0) continue;
      body ??= payload();
      app.publish(topic, body, binary);
      this.#published += 1;
      this.#options.onSent();
    }
  }

  #send(ws: WebSocket<C>, body: string | Buffer, binary: boolean): void {
    ws.send(body, binary);
    this.#published += 1;
    this.#options.onSent();
  }
}
