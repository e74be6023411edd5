/**
 * A real site with its storage, served by the real HTTP server: the start-up the storage tests share
 * (a private storage directory, optionally a private recordings directory with the disk guard off,
 * Site.start, the HTTP API on a port the OS picks with the site's metrics) and its teardown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { parseConfig } from '../../src/config/load.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { startHttpServer, type HttpServer } from '../../src/outputs/http/server.ts';
import { Site, type SiteOptions } from '../../src/site/site.ts';
import { createSiteMetrics } from '../../src/site/site-metrics.ts';
import { scratchStorageDir } from './storage-dir.ts';

export interface StorageSiteOptions {
  /** The rest of the site config (cameras, inference, ...), without `storage` and `recordings`. */
  config: string;
  /** More keys inside `storage: { dir, ... }` (`upload: {...}`, `retention: {...}`). */
  storage?: string;
  /** The storage directory; a fresh private one by default (pass the last one to restart on it). */
  storageDir?: string;
  /** Record into a fresh directory whose name starts with this (the disk guard off); no recordings section when absent. */
  recordingsPrefix?: string;
  /** What `${VAR}` references in the config resolve to. */
  env?: Record<string, string>;
  /** Site options besides ffmpeg and the logger (recordingDecisionLagMs, storage writes). */
  site?: Omit<SiteOptions, 'ffmpeg' | 'logger'>;
  /** Default: silent. */
  logger?: Logger;
}

export interface StorageSite {
  site: Site;
  http: HttpServer;
  /** `http://127.0.0.1:<port>/api/v1` */
  base: string;
  storageDir: string;
  /** null when the site does not record. */
  recordingsDir: string | null;
  /** Closes the HTTP server, stops the site and removes the recordings directory (the storage one goes at exit). */
  stop(): Promise<void>;
}

export async function startStorageSite(options: StorageSiteOptions): Promise<StorageSite> {
  const storageDir = options.storageDir ?? scratchStorageDir();
  const recordingsDir = options.recordingsPrefix === undefined ? null : mkdtempSync(path.join(tmpdir(), options.recordingsPrefix));
  const lines = [
    `storage: { dir: ${JSON.stringify(storageDir)}${options.storage === undefined ? '' : `, ${options.storage}`} }`,
    recordingsDir === null ? '' : `recordings: { dir: ${JSON.stringify(recordingsDir)}, diskGuard: { minFreeMiB: 0, minFreePercent: 0 } }`,
    options.config,
  ];
  const removeRecordings = () => {
    if (recordingsDir !== null) rmSync(recordingsDir, { recursive: true, force: true });
  };
  const logger = options.logger ?? pino({ level: 'silent' });
  let site: Site;
  try {
    site = await Site.start(parseConfig(lines.join('\n'), { env: options.env ?? {} }), {
      ffmpeg: resolveFfmpeg(),
      logger,
      ...options.site,
    });
  } catch (error) {
    removeRecordings();
    throw error;
  }
  const metrics = createSiteMetrics(site);
  let http: HttpServer;
  try {
    http = await startHttpServer({
      site,
      host: '127.0.0.1',
      port: 0,
      tokens: [],
      bodyLimitBytes: 1024,
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.metrics() }),
      logger,
    });
  } catch (error) {
    await site.stop();
    removeRecordings();
    throw error;
  }
  let stopped = false;
  return {
    site,
    http,
    base: `http://127.0.0.1:${http.port}/api/v1`,
    storageDir,
    recordingsDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      http.close();
      await site.stop();
      removeRecordings();
    },
  };
}
