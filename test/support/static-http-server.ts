/**
 * A static file server on 127.0.0.1 (port chosen by the OS) for HTTP inputs such as HLS playlists and
 * segments. Serves files under `root` by path; anything else is 404.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface StaticHttpServer {
  readonly port: number;
  /** http://127.0.0.1:PORT/<file> */
  url(file: string): string;
  /** Closes the listener and every open connection. */
  stop(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
};

export async function startStaticHttpServer(root: string): Promise<StaticHttpServer> {
  const server = http.createServer((req, res) => {
    const file = path.join(root, path.normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    stat(file)
      .then((info) => {
        if (!file.startsWith(root + path.sep) || !info.isFile()) throw new Error('not a file');
        res.writeHead(200, {
          'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
          'Content-Length': info.size,
          // A live playlist changes every segment; clients must fetch it again, not reuse it.
          'Cache-Control': 'no-cache',
        });
        createReadStream(file).pipe(res);
      })
      .catch(() => {
        res.writeHead(404).end();
      });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (file) => `http://127.0.0.1:${port}/${file}`,
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
