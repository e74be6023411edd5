/**
 * The real HTTP/WebSocket server with live video over cameras given as a map of sources (the site's
 * lookup without a site), real ffmpeg; and a `ws` viewer that keeps what it receives.
 */
import { pino } from 'pino';
import { Secret } from '../../src/config/secret.ts';
import { resolveFfmpeg } from '../../src/ingest/ffmpeg-path.ts';
import { LiveVideo, type LiveLookup, type LiveSettings } from '../../src/live/live-video.ts';
import type { LiveSource } from '../../src/live/restream-args.ts';
import { startHttpServer, type HttpServer } from '../../src/outputs/http/server.ts';
import { RecordingSite } from '../support/recording-site.ts';
import { FeedClient } from '../outputs/ws/feed-client.ts';

export const LIVE_TOKEN = 'live-tok-5e1b0c-secret';

export interface LiveServer {
  server: HttpServer;
  live: LiveVideo;
  ws: string;
  base: string;
  logs: string[];
  close(): Promise<void>;
}

export function source(url: string, extra: Partial<LiveSource> = {}): LiveSource {
  return { url, transport: 'tcp', loop: false, ioTimeoutMs: 5000, firstFrameTimeoutMs: 30_000, ...extra };
}

export async function startLiveServer(
  cameras: Record<string, LiveSource | 'disabled'>,
  options: { tokens?: string[]; settings?: Partial<LiveSettings>; site?: RecordingSite } = {},
): Promise<LiveServer> {
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const sources = (camera: string): LiveLookup => {
    const entry = cameras[camera];
    if (entry === undefined) return { refused: 'unknown' };
    return entry === 'disabled' ? { refused: 'disabled' } : { source: entry };
  };
  const live = new LiveVideo({ ffmpeg: resolveFfmpeg(), logger, sources, settings: { idleStopMs: 500, ...options.settings } });
  const server = await startHttpServer({
    site: options.site ?? new RecordingSite(),
    host: '127.0.0.1',
    port: 0,
    logger,
    tokens: (options.tokens ?? []).map((t) => new Secret(t)),
    bodyLimitBytes: 64 * 1024,
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    live,
  });
  return {
    server,
    live,
    base: `http://127.0.0.1:${server.port}`,
    ws: `ws://127.0.0.1:${server.port}`,
    logs,
    async close() {
      server.close();
      await live.close();
    },
  };
}

/** Opens a viewer of `camera`, authenticating by the first message when a token is given. */
export async function openViewer(t: LiveServer, camera: string, token?: string): Promise<FeedClient> {
  const client = await FeedClient.open(`${t.ws}/api/v1/cameras/${camera}/live.mp4`);
  if (token !== undefined) client.send({ type: 'auth', token });
  return client;
}
