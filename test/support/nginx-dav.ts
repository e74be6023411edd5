/**
 * A real HTTP upload endpoint for the upload tests: Debian's nginx (installed by
 * test/scripts/ensure-test-deps.sh) in the foreground as one process, with its dav module taking PUT
 * under /uploads/ (directories made as needed) when the request carries `Authorization: Bearer
 * <token>`, and serving the files back with GET under the same check. Everything it writes is in a
 * private directory; a kill and restart keep the files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServerProcess, type ServerProcess } from './server-process.ts';

export const NGINX = process.env['PANOPTES_NGINX'] ?? '/usr/sbin/nginx';

export interface NginxDav extends ServerProcess {
  /** http://127.0.0.1:PORT/uploads/ */
  readonly base: string;
  /** Where PUT files land: <root>/uploads/<key>. */
  readonly root: string;
  dispose(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'HEAD', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function startNginxDav(token: string): Promise<NginxDav> {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-nginx-'));
  const root = path.join(dir, 'www');
  mkdirSync(path.join(root, 'uploads'), { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  const write = (port: number) =>
    writeFileSync(
      conf,
      [
        'daemon off;',
        'master_process off;',
        'worker_processes 1;',
        // As root nginx would switch to www-data, which could not write the private directory.
        ...(process.getuid?.() === 0 ? ['user root;'] : []),
        `pid ${path.join(dir, 'nginx.pid')};`,
        'error_log stderr notice;',
        'events { worker_connections 64; }',
        'http {',
        '  access_log off;',
        `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
        '  client_max_body_size 0;',
        '  server {',
        `    listen 127.0.0.1:${port};`,
        `    root ${root};`,
        '    location /uploads/ {',
        `      if ($http_authorization != "Bearer ${token}") { return 401; }`,
        '      dav_methods PUT;',
        '      create_full_put_path on;',
        '      dav_access user:rw group:r all:r;',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
  const server = await startServerProcess({
    command: NGINX,
    args: (port) => {
      write(port);
      return ['-e', 'stderr', '-p', dir, '-c', conf];
    },
    ready: () => true,
    probe: answers,
  });
  return Object.assign(server, {
    base: `http://127.0.0.1:${server.port}/uploads/`,
    root,
    async dispose() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
