/**
 * Opens the events database (better-sqlite3, SQLite compiled into the addon) with the settings the
 * store relies on, and brings its schema up to date (src/storage/migrations.ts).
 *
 * - WAL: readers (the REST API) never wait for the writer, and a commit appends to the log instead of
 *   rewriting pages, so a crash at any point leaves either the old or the new transaction, never a torn
 *   database.
 * - synchronous=NORMAL: in WAL mode a commit is then written to the log but not fsynced; the log is
 *   fsynced at checkpoints. A killed process (kill -9, an OOM kill) loses nothing committed, since the
 *   bytes are in the OS page cache; only a power cut can roll back the last commits, and never corrupts
 *   the file. FULL would fsync every commit on the coordinator thread, which also drives ingest: one slow
 *   fsync (an SD card, a busy disk: tens to hundreds of ms) would stall every camera's frames.
 * - locking_mode=EXCLUSIVE: the first access takes the file lock and holds it until close, so a second
 *   gateway pointed at the same storage.dir is refused at start (its reconciliation would delete the
 *   first one's pictures) instead of both writing; the OS releases the lock when a process dies.
 */
import Database from 'better-sqlite3';
import { StorageError } from '../errors.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';

export type Db = Database.Database;
export type Statement = Database.Statement<unknown[]>;

/** How long opening waits for a lock a previous gateway is still releasing. */
const BUSY_TIMEOUT_MS = 2000;
/** The WAL is truncated back to this after a checkpoint, so a burst does not leave a huge file behind. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

function sqliteCode(error: unknown): string {
  return (error as { code?: unknown }).code?.toString() ?? '';
}

function explain(file: string, error: unknown): StorageError {
  const code = sqliteCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new StorageError(
      file,
      'another process holds it (a second gateway on the same storage.dir?)',
      'give each gateway its own storage.dir',
      {
        cause: error,
      },
    );
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return new StorageError(
      file,
      `it is not a Panoptes events database or it is damaged (${message})`,
      'move the file aside or set storage.dir to another directory',
      {
        cause: error,
      },
    );
  return new StorageError(
    file,
    `${message}${code ? ` (${code})` : ''}`,
    'check that storage.dir is on a writable local disk with free space',
    {
      cause: error,
    },
  );
}

/** Applies the migrations newer than the file's user_version; returns the versions applied. */
export function migrate(db: Db, file: string): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION)
    throw new StorageError(
      file,
      `it was written by a newer Panoptes (schema version ${current}, this build knows up to ${SCHEMA_VERSION})`,
      'run that version, or set storage.dir to another directory',
    );
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
    applied.push(migration.version);
  }
  return applied;
}

/** Opens (creating when missing) and migrates the database at `file`; throws StorageError with the fix. */
export function openDatabase(file: string): { db: Db; migrated: number[] } {
  let db: Db | undefined;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    // Exclusive before the first WAL access: no shared-memory index is made, and the lock is ours.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    const migrated = migrate(db, file);
    return { db, migrated };
  } catch (error) {
    db?.close();
    throw error instanceof StorageError ? error : explain(file, error);
  }
}
