/**
 * The browser pages (src/ui/) served as static files: `GET /` is the camera list, `GET /ui/<file>`
 * the rest. The files are plain HTML, CSS and ES modules (no build step), read once at start (they
 * are a few kilobytes) and public: a page holds no data, it asks the API for it with the token the
 * operator typed in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reply } from './response.ts';

const UI_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'ui');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export class StaticUi {
  readonly #files = new Map<string, Reply>();

  constructor(dir = UI_DIR) {
    for (const name of readdirSync(dir)) {
      const type = CONTENT_TYPES[path.extname(name)];
      if (type === undefined) continue;
      // no-cache: a page is revalidated on every load, so a gateway upgrade never leaves a stale player behind.
      const reply: Reply = {
        status: 200,
        contentType: type,
        body: readFileSync(path.join(dir, name)),
        headers: { 'cache-control': 'no-cache' },
      };
      this.#files.set(`/ui/${name}`, reply);
      if (name === 'index.html') this.#files.set('/', reply);
    }
  }

  /** The file for a GET of `urlPath`, or undefined when it is not a page. */
  reply(method: string, urlPath: string): Reply | undefined {
    return method === 'GET' ? this.#files.get(urlPath) : undefined;
  }
}
