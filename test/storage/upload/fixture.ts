/**
 * The upload tests' side of the gateway: a real Storage (SQLite, JPEG files) in a private directory,
 * events recorded the way the site records them, and an Uploader over it whose log lines are kept, so
 * a test can look for a secret in them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { uploadSchema, type UploadConfig } from '../../../src/config/upload-schema.ts';
import { Storage } from '../../../src/storage/storage.ts';
import { targetClient } from '../../../src/storage/upload/target.ts';
import { type ClipSource, Uploader } from '../../../src/storage/upload/uploader.ts';
import { makeEvent, message } from '../events.ts';

export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `panoptes-${prefix}-`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** Fast retries for tests: the backoff still grows, from 200 ms to 1 s. */
export function uploadConfig(target: unknown, extra: Record<string, unknown> = {}): UploadConfig {
  return uploadSchema.parse({
    enabled: true,
    target,
    retry: { initialSeconds: 0.2, maxSeconds: 1, maxAttempts: 1000 },
    ...extra,
  });
}

export class UploadSite {
  readonly storage: Storage;
  readonly dir: string;
  readonly log: string[];
  readonly #logger: Logger;
  uploader: Uploader | null = null;
  #n = 0;

  constructor(dir = scratchDir('upload-storage')) {
    this.dir = dir;
    const { logger, lines } = captureLogger();
    this.#logger = logger;
    this.log = lines;
    this.storage = Storage.open({ dir, retention: { eventsDays: 36_500 } }, { logger, writes: { flushIntervalMs: 20 } });
  }

  /** Starts an uploader over the storage; one already running is stopped first (a gateway restart's uploads). */
  async startUploader(config: UploadConfig, clips: ClipSource | null = null): Promise<Uploader> {
    if (config.target === undefined) throw new Error('no target');
    await this.uploader?.stop();
    this.uploader = new Uploader({
      config,
      events: this.storage.events,
      root: this.dir,
      client: await targetClient(config.target, config.timeoutSeconds * 1000),
      clips,
      logger: this.#logger,
    });
    await this.uploader.start();
    return this.uploader;
  }

  /**
   * An ended event with a best-shot file of `bytes` random bytes, written and referenced as the site
   * does, and queued for upload unless `queue` is false; returns its id, file and reference.
   */
  async eventWithSnapshot(bytes = 4096, queue = true): Promise<{ id: string; file: string; reference: string }> {
    this.#n += 1;
    const event = makeEvent({ n: this.#n, startMs: Date.now() - 10_000 + this.#n, endMs: Date.now(), jpeg: `gate/${this.#n}` });
    this.storage.events.record(message('end', event));
    const reference = this.storage.snapshots.referenceFor(event.camera, event.id, event.startMs);
    const file = path.join(this.dir, reference);
    await mkdir(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(bytes));
    this.storage.events.setSnapshot(event.id, reference);
    if (queue) this.uploader?.snapshotWritten(event.id, reference);
    return { id: event.id, file, reference };
  }

  /**
   * An ended event with both pictures, a best-shot crop and a full frame of random bytes, written,
   * referenced and queued as the site's event recorder does.
   */
  async eventWithPictures(cropBytes: number, frameBytes: number): Promise<{ id: string; file: string; frameFile: string }> {
    const { id, file } = await this.eventWithSnapshot(cropBytes);
    const event = this.storage.events.get(id);
    if (event === undefined) throw new Error(`event ${id} was not stored`);
    const reference = this.storage.snapshots.referenceFor(event.camera, id, event.startMs, 'frame');
    const frameFile = path.join(this.dir, reference);
    writeFileSync(frameFile, randomBytes(frameBytes));
    this.storage.events.setPicture(id, 'frame', reference);
    this.uploader?.pictureWritten(id, 'frame', reference);
    return { id, file, frameFile };
  }

  /** The upload's row as stored, every column (to look for secrets in it). */
  row(eventId: string, kind = 'snapshot'): Record<string, unknown> | undefined {
    return this.storage.events.db.prepare('SELECT * FROM uploads WHERE event_id = ? AND kind = ?').get(eventId, kind) as
      | Record<string, unknown>
      | undefined;
  }

  /** Every value the database holds about uploads and itself, as text (to look for secrets in it). */
  storedText(): string {
    const { db } = this.storage.events;
    return JSON.stringify([db.prepare('SELECT * FROM uploads').all(), db.prepare('SELECT * FROM store_state').all()]);
  }

  async close(): Promise<void> {
    await this.uploader?.stop();
    await this.storage.close();
  }
}
