/**
 * Keeps every event the bus publishes in the events database, and writes each event's best-shot JPEG
 * and its full-frame JPEG to disk when the event ends (both are encoded when the track ends, just
 * before). Until its file is written a picture is served from the encoder's result, so a client that
 * asks for it on the end message (the WebSocket snapshot feed does) gets it at once.
 */
import type { Logger } from 'pino';
import type { EventMessage } from '../analytics/events.ts';
import type { SnapshotStore } from '../analytics/snapshot-store.ts';
import type { PictureKind } from '../storage/snapshot-files.ts';
import type { Storage } from '../storage/storage.ts';

export class EventRecorder {
  readonly #storage: Storage;
  readonly #pictures: SnapshotStore;
  readonly #log: Logger;
  /** Pictures being written, by kind and event id: bounded by the writes in flight. */
  readonly #writing: Record<PictureKind, Map<string, Promise<Buffer | null>>> = { crop: new Map(), frame: new Map() };
  /** Pictures that could not be written (the event keeps no reference). */
  writeFailures = 0;

  readonly #onWritten: (eventId: string, kind: PictureKind, reference: string) => void;

  /** `onWritten`: a picture (best-shot crop or full frame) is on disk and referenced (the uploader queues it). */
  constructor(
    storage: Storage,
    pictures: SnapshotStore,
    log: Logger,
    onWritten: (eventId: string, kind: PictureKind, reference: string) => void = () => {},
  ) {
    this.#storage = storage;
    this.#pictures = pictures;
    this.#log = log;
    this.#onWritten = onWritten;
  }

  record(message: EventMessage): void {
    this.#storage.events.record(message);
    const shot = message.event.bestShot;
    if (message.type !== 'end' || shot === null) return;
    if (shot.jpeg != null) this.#persist(message, 'crop', shot.jpeg);
    if (shot.frameJpeg != null) this.#persist(message, 'frame', shot.frameJpeg);
  }

  /** The event's best-shot JPEG: being written, or on disk; null when it has none. */
  snapshot(eventId: string): Promise<Buffer | null> {
    return this.#picture(eventId, 'crop');
  }

  /** The event's full-frame JPEG at the best-shot moment: being written, or on disk; null when it has none. */
  frame(eventId: string): Promise<Buffer | null> {
    return this.#picture(eventId, 'frame');
  }

  /** Waits for the pictures being written (before the database closes). */
  async drain(): Promise<void> {
    await Promise.all([...this.#writing.crop.values(), ...this.#writing.frame.values()]);
  }

  async #picture(eventId: string, kind: PictureKind): Promise<Buffer | null> {
    const writing = this.#writing[kind].get(eventId);
    if (writing !== undefined) return writing;
    const reference = this.#storage.events.pictureOf(eventId, kind);
    return reference == null ? null : this.#storage.snapshots.read(reference);
  }

  #persist(message: EventMessage, kind: PictureKind, ref: string): void {
    const encoded = this.#pictures.get(ref);
    if (encoded === undefined) return;
    const { id: eventId, camera, startMs } = message.event;
    const { events, snapshots } = this.#storage;
    const reference = snapshots.referenceFor(camera, eventId, startMs, kind);
    const writing = this.#writing[kind];
    const write = encoded
      .then(async (jpeg) => {
        if (jpeg === null) return null;
        await snapshots.write(reference, jpeg);
        events.setPicture(eventId, kind, reference);
        this.#pictures.release(ref);
        this.#onWritten(eventId, kind, reference);
        return jpeg;
      })
      .catch((err: unknown) => {
        this.writeFailures++;
        this.#log.warn({ err, event: eventId, picture: kind }, 'an event picture could not be written to disk');
        return null;
      })
      .finally(() => writing.delete(eventId));
    writing.set(eventId, write);
  }
}
