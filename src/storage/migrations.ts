/**
 * The events database schema as numbered migrations. `PRAGMA user_version` holds the number of the
 * last one applied; opening the database applies the rest, each in its own transaction, so a database
 * written by an older gateway is brought up to date and a crash mid-migration leaves the previous
 * version intact. Never edit a migration that has shipped: add the next one.
 */
export interface Migration {
  version: number;
  /** What it adds, for the log. */
  summary: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    summary: 'events, their zones, best-shot JPEG and clip references',
    sql: `
      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        camera TEXT NOT NULL,
        label TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER,
        score REAL NOT NULL,
        -- The best-shot JPEG, relative to storage.dir; null when there is none (or its file was lost).
        snapshot TEXT,
        -- The event's clip from the recordings (issue 12, recording half); null until recordings exist.
        clip TEXT,
        -- The latest DetectionEvent as published (JSON); the columns above are what queries filter on.
        data TEXT NOT NULL
      );
      -- Pages are read newest (or oldest) first, optionally for one camera or label: each filter has an
      -- index ending in (start_ms, id), the keyset the cursor continues from.
      CREATE INDEX events_start ON events (start_ms, id);
      CREATE INDEX events_camera_start ON events (camera, start_ms, id);
      CREATE INDEX events_label_start ON events (label, start_ms, id);
      -- Zones an event entered, one row each, so a zone filter is an index lookup, not a JSON scan.
      CREATE TABLE event_zones (
        event_id TEXT NOT NULL,
        zone TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        PRIMARY KEY (event_id, zone)
      ) WITHOUT ROWID;
      CREATE INDEX event_zones_zone_start ON event_zones (zone, start_ms, event_id);
    `,
  },
  // Version 2 is the recordings index (issue 12, recording half), made on another branch.
  {
    version: 3,
    summary: 'the upload queue: one row an event and kind (snapshot, clip)',
    sql: `
      CREATE TABLE uploads (
        event_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('snapshot', 'clip')),
        -- The file sent: a path under storage.dir (a snapshot, or a clip assembled into uploads/); null until known.
        path TEXT,
        -- Hex SHA-256 and size of the file as first read; every try sends and verifies this.
        sha256 TEXT,
        bytes INTEGER,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'uploading', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        -- Not before this (epoch ms): the backoff after a failure, or when a clip's post-roll is recorded.
        next_attempt_ms INTEGER NOT NULL,
        -- The last failure, as the target said it; never a credential.
        last_error TEXT,
        -- The object's s3://bucket/key or URL (without query string) once done.
        remote TEXT,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (event_id, kind)
      ) WITHOUT ROWID;
      -- The due rows are found by this index, so the queue's depth never costs a scan.
      CREATE INDEX uploads_due ON uploads (state, next_attempt_ms);
    `,
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
