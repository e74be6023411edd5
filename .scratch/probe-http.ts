import { connect } from 'node:net';
import { startTestServer } from '../test/outputs/http/test-server.ts';

function exchange(port: number, request: string | Buffer, waitMs = 12_000): Promise<{ text: string; ms: number; how: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let how = 'close';
    const timer = setTimeout(() => { how = 'still open'; socket.destroy(); }, waitMs);
    socket.on('data', (c) => { text += c.toString('latin1'); });
    socket.on('error', (e) => { how = `error ${(e as NodeJS.ErrnoException).code}`; });
    socket.on('close', () => { clearTimeout(timer); resolve({ text, ms: Date.now() - started, how }); });
    socket.write(request);
  });
}

const t = await startTestServer({ bodyLimitBytes: 4096 });
const p = t.server.port;
const cases: Array<[string, string]> = [
  ['http/1.0 health', 'GET /api/v1/health HTTP/1.0\r\n\r\n'],
  ['http/1.0 health with Host', 'GET /api/v1/health HTTP/1.0\r\nHost: x\r\n\r\n'],
  ['http/1.1 no host', 'GET /api/v1/health HTTP/1.1\r\n\r\n'],
  ['http/1.1 host', 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['CL -1', 'POST /api/v1/cameras HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'],
  ['CL abc', 'POST /api/v1/cameras HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
  ['CL 1e3', 'POST /api/v1/cameras HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n'],
  ['CL 2^64', 'POST /api/v1/cameras HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551616\r\n\r\n'],
  ['CL + TE', 'POST /api/v1/cameras HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['method lower get', 'get /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['method FOO', 'FOO /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['method PATCH', 'PATCH /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['101 headers', 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n' + Array.from({ length: 101 }, (_, i) => `X-H${i}: v\r\n`).join('') + '\r\n'],
  ['60 headers', 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n' + Array.from({ length: 60 }, (_, i) => `X-H${i}: v\r\n`).join('') + '\r\n'],
  ['200KB url', `GET /api/v1/health?x=${'a'.repeat(200_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
  ['5KB url', `GET /api/v1/health?x=${'a'.repeat(5_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
  ['3KB url', `GET /api/v1/health?x=${'a'.repeat(3_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
  ['big header 10KB', `GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`],
  ['garbage', 'hello\r\n\r\n'],
  ['http/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ['HTTP/1.2', 'GET /api/v1/health HTTP/1.2\r\nHost: x\r\n\r\n'],
];
for (const m of ['OPTIONS', 'HEAD', 'TRACE', 'CONNECT', 'PROPFIND', 'Get', 'GET2', 'M-SEARCH', 'PURGE', 'QUERY']) cases.push([`m ${m}`, `${m} /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n`]);
for (const n of [126, 127, 128, 130, 131]) cases.push([`url${n}k`, `GET /api/v1/health?x=${'a'.repeat(n * 1000)} HTTP/1.1\r\nHost: x\r\n\r\n`]);
for (const n of [40, 50, 200]) cases.push([`hsize${n}k`, `GET /api/v1/health HTTP/1.1\r\nHost: x\r\n` + Array.from({length: 10}, (_, i) => `X-B${i}: ${'b'.repeat(n * 100)}\r\n`).join('') + '\r\n']);
cases.push(['50 headers', 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n' + Array.from({ length: 48 }, (_, i) => `X-H${i}: v\r\n`).join('') + '\r\n']);
cases.push(['51 headers', 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n' + Array.from({ length: 50 }, (_, i) => `X-H${i}: v\r\n`).join('') + '\r\n']);
cases.push(['8KB url', `GET /api/v1/health?x=${'a'.repeat(8_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]);
cases.push(['16KB url', `GET /api/v1/health?x=${'a'.repeat(16_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]);
cases.push(['64KB url', `GET /api/v1/health?x=${'a'.repeat(64_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]);
cases.push(['http/1.0 keepalive', 'GET /api/v1/health HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n']);
const only = process.argv[2] ? new RegExp(process.argv[2]) : null;
const results = await Promise.all(cases.filter(([n]) => !only || only.test(n)).map(async ([name, req]) => [name, await exchange(p, req, 25_000)] as const));
for (const [name, r] of results) console.log(`${name.padEnd(26)} ${String(r.ms).padStart(6)}ms ${r.how.padEnd(10)} ${JSON.stringify(r.text.split('\r\n')[0])} len=${r.text.length}`);
console.log(t.logs.filter((l) => l.includes('api request')).length, 'api log lines');
t.close();
