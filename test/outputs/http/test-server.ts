/** Starts the real HTTP/WebSocket server on a free port over a RecordingSite, capturing every log line; request helpers. */
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Secret } from '../../../src/config/secret.ts';
import { startHttpServer, type HttpServer, type HttpServerOptions } from '../../../src/outputs/http/server.ts';
import { RecordingSite } from '../../support/recording-site.ts';

export const TOKEN = 'tok-3f9a1c-secret-value';
export const OTHER_TOKEN = 'second-token-77c1d0';

export interface TestServer {
  server: HttpServer;
  site: RecordingSite;
  base: string;
  /** Every log line the server wrote (JSON text). */
  logs: string[];
  auth: Record<string, string>;
  close(): void;
}

export async function startTestServer(
  options: Partial<Pick<HttpServerOptions, 'host' | 'tokens' | 'bodyLimitBytes' | 'liveFeed'>> & { site?: RecordingSite } = {},
): Promise<TestServer> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const site = options.site ?? new RecordingSite();
  const server = await startHttpServer({
    site,
    host: options.host ?? '127.0.0.1',
    port: 0,
    logger,
    tokens: options.tokens ?? [new Secret(TOKEN), new Secret(OTHER_TOKEN)],
    bodyLimitBytes: options.bodyLimitBytes ?? 64 * 1024,
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '# HELP panoptes_up 1\npanoptes_up 1\n' }),
    ...(options.liveFeed !== undefined ? { liveFeed: options.liveFeed } : {}),
  });
  return {
    server,
    site,
    logs,
    base: `http://127.0.0.1:${server.port}`,
    auth: { authorization: `Bearer ${TOKEN}` },
    close: () => server.close(),
  };
}

export const CAMERA = { id: 'gate', channel: 1, streams: { primary: 'rtsp://admin:hunter2pass@10.0.0.5/stream1' } };

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: () => unknown;
}

export async function call(
  t: TestServer,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = t.auth,
): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(t.base + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

export function errorCode(answer: Answer): string {
  return (answer.json() as { error: { code: string } }).error.code;
}

/** Sends raw bytes on a fresh connection and resolves with everything the server wrote back. */
export function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(request);
  });
}
