/**
 * Keeps every event the bus publishes in the events database, and writes each event's best-shot JPEG
 * to disk when the event ends (the picture is encoded when the track ends, just before). Until its file
 * is written the picture is served from the encoder's result, so a client that asks for it on the end
 * message (the WebSocket snapshot feed does) gets it at once.
 */
import type { Logger } from 'pino';
import type { EventMessage } from '../analytics/events.ts';
import type { SnapshotStore } from '../analytics/snapshot-store.ts';
import type { Storage } from '../storage/storage.ts';

export class EventRecorder {
  readonly #storage: Storage;
  readonly #pictures: SnapshotStore;
  readonly #log: Logger;
  /** Pictures being written, by event id: bounded by the writes in flight. */
  readonly #writing = new Map<string, Promise<Buffer | null>>();
  /** Pictures that could not be written (the event keeps no reference). */
  writeFailures = 0;

  readonly #onWritten: (eventId: string, reference: string) => void;

  /** `onWritten`: a JPEG is on disk and referenced (the uploader queues it). */
  constructor(storage: Storage, pictures: SnapshotStore, log: Logger, onWritten: (eventId: string, reference: string) => void = () => {}) {
    this.#storage = storage;
    this.#pictures = pictures;
    this.#log = log;
    this.#onWritten = onWritten;
  }

  record(message: EventMessage): void {
    this.#storage.events.record(message);
    const ref = message.event.bestShot?.jpeg;
    if (message.type === 'end' && ref != null) this.#persist(message.event.id, message.event.camera, message.event.startMs, ref);
  }

  /** The event's JPEG: being written, or on disk; null when it has none. */
  async snapshot(eventId: string): Promise<Buffer | null> {
    const writing = this.#writing.get(eventId);
    if (writing !== undefined) return writing;
    const reference = this.#storage.events.snapshotOf(eventId);
    return reference == null ? null : this.#storage.snapshots.read(reference);
  }

  /** Waits for the pictures being written (before the database closes). */
  async drain(): Promise<void> {
    await Promise.all(this.#writing.values());
  }

  #persist(eventId: string, camera: string, startMs: number, ref: string): void {
    const encoded = this.#pictures.get(ref);
    if (encoded === undefined) return;
    const { events, snapshots } = this.#storage;
    const reference = snapshots.referenceFor(camera, eventId, startMs);
    const write = encoded
      .then(async (jpeg) => {
        if (jpeg === null) return null;
        await snapshots.write(reference, jpeg);
        events.setSnapshot(eventId, reference);
        this.#pictures.release(ref);
        this.#onWritten(eventId, reference);
        return jpeg;
      })
      .catch((err: unknown) => {
        this.writeFailures++;
        this.#log.warn({ err, event: eventId }, 'the best-shot JPEG could not be written to disk');
        return null;
      })
      .finally(() => this.#writing.delete(eventId));
    this.#writing.set(eventId, write);
  }
}
