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
  {
    version: 2,
    summary: 'the recordings index (segments) and the state and window of each event clip',
    sql: `
      -- One row a segment file under recordings.dir; the file's name says the same (segment-name.ts),
      -- so a row lost to a crash is rebuilt from its name by the start-up reconciliation.
      CREATE TABLE segments (
        -- Relative to recordings.dir: <camera>/<YYYY-MM-DD>/<HH-MM-SS.mmm>_<duration ms>_<class>.<ext>.
        path TEXT PRIMARY KEY,
        camera TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        -- Why it is kept: pending, continuous, motion or events.
        class TEXT NOT NULL
      ) WITHOUT ROWID;
      -- A camera's segments over a time range (clips, retention, the reconciliation of a day).
      CREATE INDEX segments_camera_start ON segments (camera, start_ms);
      -- Oldest first within a class (the disk guard).
      CREATE INDEX segments_class_start ON segments (class, start_ms);
      -- clip: null (nothing recorded of the event's window), 'partial' or 'complete' (its post-roll
      -- is recorded); the window is [start - preRoll, end + postRoll], to null while the event runs.
      ALTER TABLE events ADD COLUMN clip_from_ms INTEGER;
      ALTER TABLE events ADD COLUMN clip_to_ms INTEGER;
      -- The events a deleted segment may have been the last recording of.
      CREATE INDEX events_camera_clip ON events (camera, clip_from_ms) WHERE clip IS NOT NULL;
      `,
  },
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
  {
    version: 4,
    summary: "the full-frame JPEG of each event's best shot",
    sql: `
      -- The whole frame at the best-shot moment, relative to storage.dir (snapshots/.../<id>.frame.jpg);
      -- null when there is none (bestShot.frameWidth 0, an event from before, or its file was lost).
      ALTER TABLE events ADD COLUMN frame TEXT;
      `,
  },
  {
    version: 5,
    summary: 'crash-safe clip states (running events, the last commit time), failed uploads re-queued after a target change, tracks',
    sql: `
      -- What the store keeps about itself: alive_ms (wall clock of the last commit: an event still running
      -- at the next start is ended there), upload_salt (for the hash of the upload target's secrets).
      CREATE TABLE store_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      -- Events still running: the ones a crash left open, ended at the next start without a scan.
      CREATE INDEX events_running ON events (start_ms) WHERE end_ms IS NULL;
      -- Events whose clip may still change (not complete): the start-up recovery of clip states visits
      -- only these, a camera at a time.
      CREATE INDEX events_clip_open ON events (camera, start_ms) WHERE clip IS NOT 'complete';
      -- Why a failed upload failed: 'target' (the target refused it for good: credentials, bucket, PUT),
      -- 'attempts' (out of retries), 'local' (the file is gone or changed); null for rows failed before
      -- version 4. With the target settings it failed under, as hashes: target_hash of the settings that
      -- are not secret, secrets_hash a salted scrypt of the secret values (never the values).
      ALTER TABLE uploads ADD COLUMN failure TEXT;
      ALTER TABLE uploads ADD COLUMN target_hash TEXT;
      ALTER TABLE uploads ADD COLUMN secrets_hash TEXT;
      -- One row a confirmed track, written when it ends (track-store.ts). The tracker's ids start again
      -- after a restart, so the key is a row id; pages walk (camera, first_ms, id).
      CREATE TABLE tracks (
        id INTEGER PRIMARY KEY,
        camera TEXT NOT NULL,
        track_id INTEGER NOT NULL,
        label TEXT NOT NULL,
        first_ms INTEGER NOT NULL,
        last_ms INTEGER NOT NULL,
        best_score REAL NOT NULL,
        -- The event the track started or joined; null when it never became one.
        event_id TEXT,
        -- Zones its bottom-centre entered, in order (JSON array).
        zones TEXT NOT NULL
      );
      CREATE INDEX tracks_camera_first ON tracks (camera, first_ms);
      -- Oldest first for retention.
      CREATE INDEX tracks_first ON tracks (first_ms);
    `,
  },
  {
    version: 6,
    summary: 'restart ends announced once on the event bus; full-frame JPEG uploads',
    sql: `
      -- An event ended at start because a killed run left it running (interrupted-events.ts): 0 until its
      -- end message went to the outputs (MQTT outbox, WebSocket), 1 after, so a second restart does not
      -- send it again; null for every other event (ended by its track, by a shutdown, or before version 6).
      ALTER TABLE events ADD COLUMN end_announced INTEGER;
      CREATE INDEX events_end_unannounced ON events (start_ms) WHERE end_announced = 0;
      -- A third kind of upload, the full-frame JPEG ('frame'): the kind's CHECK belongs to the table, so
      -- the table is rebuilt with its rows.
      CREATE TABLE uploads_v6 (
        event_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('snapshot', 'frame', 'clip')),
        path TEXT,
        sha256 TEXT,
        bytes INTEGER,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'uploading', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        last_error TEXT,
        remote TEXT,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        failure TEXT,
        target_hash TEXT,
        secrets_hash TEXT,
        PRIMARY KEY (event_id, kind)
      ) WITHOUT ROWID;
      INSERT INTO uploads_v6 (event_id, kind, path, sha256, bytes, state, attempts, next_attempt_ms, last_error, remote,
          created_ms, updated_ms, failure, target_hash, secrets_hash)
        SELECT event_id, kind, path, sha256, bytes, state, attempts, next_attempt_ms, last_error, remote,
          created_ms, updated_ms, failure, target_hash, secrets_hash FROM uploads;
      DROP TABLE uploads;
      ALTER TABLE uploads_v6 RENAME TO uploads;
      CREATE INDEX uploads_due ON uploads (state, next_attempt_ms);
    `,
  },
  {
    version: 7,
    summary: 'tracks written while they run and closed at the next start after a kill',
    sql: `
      -- Why a track's row stopped: null while the track runs (the row is written when it is confirmed and
      -- updated with the batches, track-store.ts), 'track' (the tracker ended it, or the gateway stopped),
      -- 'restart' (a killed run left it running: closed at the next start at the last commit). Rows from
      -- before version 7 were written at their end.
      ALTER TABLE tracks ADD COLUMN end_reason TEXT;
      UPDATE tracks SET end_reason = 'track';
      -- The rows a crash left running, closed at start without a scan.
      CREATE INDEX tracks_running ON tracks (first_ms) WHERE end_reason IS NULL;
    `,
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
