/**
 * What an upload failed under, so a later run can tell whether the target's configuration changed
 * since (a fixed key, a created bucket's new name, another URL) and send it again. Two hashes, never
 * the settings themselves:
 * - `target`: SHA-256 of the settings that are not secret (type, endpoint, region, bucket, prefix,
 *   URL, header names), as canonical JSON; a Secret prints as `***` there, so only its presence counts.
 * - `secrets`: scrypt of the secret values (keys, token, header values) with a random salt kept in the
 *   database. A plain hash of a weak token could be reversed by trying candidates; scrypt makes each
 *   guess cost about 50 ms and 16 MiB, and the salt defeats precomputed tables.
 */
import { createHash, randomBytes, scrypt } from 'node:crypto';
import { Secret } from '../../config/secret.ts';
import type { UploadTarget } from '../../config/upload-schema.ts';
import type { Db } from '../database.ts';

export interface TargetFingerprint {
  target: string;
  secrets: string;
}

/** scrypt's cost (N = 2^14, r = 8: 16 MiB, tens of ms): paid once at start. */
const SCRYPT = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export async function targetFingerprint(db: Db, target: UploadTarget): Promise<TargetFingerprint> {
  const secrets: string[] = [];
  const settings = canonical(target, '', secrets);
  const text = secrets.sort().join('\n');
  const hash = await new Promise<Buffer>((resolve, reject) =>
    scrypt(text, salt(db), 32, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))),
  );
  return { target: createHash('sha256').update(JSON.stringify(settings)).digest('hex'), secrets: hash.toString('hex') };
}

/** The value with object keys sorted and each Secret as `***`; the secrets' `path=value` lines go to `secrets`. */
function canonical(value: unknown, path: string, secrets: string[]): unknown {
  if (value instanceof Secret) {
    secrets.push(`${path}=${value.reveal()}`);
    return '***';
  }
  if (Array.isArray(value)) return value.map((v, i) => canonical(v, `${path}[${i}]`, secrets));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v, `${path}.${k}`, secrets)]));
}

/** The database's salt for secret hashes, made on first use. */
function salt(db: Db): string {
  db.prepare("INSERT OR IGNORE INTO store_state (key, value) VALUES ('upload_salt', ?)").run(randomBytes(16).toString('hex'));
  return (db.prepare("SELECT value FROM store_state WHERE key = 'upload_salt'").get() as { value: string }).value;
}
