/**
 * The encoded best-shot JPEGs that events refer to (`bestShot.jpeg`), kept in memory until the site has
 * written them to disk (src/site/event-recorder.ts), which releases them. A reference is handed out at
 * once, while sharp encodes in the background, so the end of an event never waits for an encoder; the
 * oldest pictures go when the store is over its bound (pictures of tracks that never became events).
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

  /** Forgets a picture (it is on disk now). */
  release(ref: string): void {
    this.entries.delete(ref);
  }

  get size(): number {
    return this.entries.size;
  }
}
