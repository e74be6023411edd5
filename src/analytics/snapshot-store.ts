/**
 * The encoded best-shot JPEGs that events refer to (`bestShot.jpeg`), kept in memory for the outputs to
 * serve. A reference is handed out at once, while sharp encodes in the background, so the end of an
 * event never waits for an encoder; the oldest pictures go when the store is over its bound.
 */
export interface SnapshotStoreOptions {
  /** Most pictures kept. */
  maxEntries: number;
}

export class SnapshotStore {
  private readonly entries = new Map<string, Promise<Buffer | null>>();
  private readonly maxEntries: number;
  private next = 0;
  /** Encodings that failed (the event keeps its reference; fetching it answers null). */
  failures = 0;

  constructor(options: Partial<SnapshotStoreOptions> = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
  }

  /** Stores a picture being encoded; returns its reference. */
  add(camera: string, jpeg: Promise<Buffer>): string {
    const ref = `${camera}/${++this.next}`;
    this.entries.set(
      ref,
      jpeg.catch(() => {
        this.failures++;
        return null;
      }),
    );
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return ref;
  }

  /** The JPEG bytes, null when the encoding failed, undefined when unknown or evicted. */
  get(ref: string): Promise<Buffer | null> | undefined {
    return this.entries.get(ref);
  }

  get size(): number {
    return this.entries.size;
  }
}
