/**
 * What uWebSockets.js's own HTTP parser does with requests it refuses before any handler runs (no
 * hook lets the API answer them): the table in the README, "HTTP API", asserted case by case over raw
 * TCP. The server must keep serving afterwards. No timing is asserted: "at once" and "after the 10 s
 * idle timeout" are the README's words; here each case only has to end without a response.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestServer, TOKEN, type TestServer } from './test-server.ts';

interface Outcome {
  /** Everything the server wrote before the connection ended. */
  response: string;
  /** The server reset the connection (RST) instead of closing it (FIN). */
  reset: boolean;
}

/** Sends `request` on a fresh connection and waits (up to 60 s) for the server to end it. */
function exchange(port: number, request: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let reset = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for 60 s (${JSON.stringify(request.slice(0, 40))})`));
    }, 60_000);
    socket.on('data', (chunk) => {
      response += chunk.toString('latin1');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      reset = error.code === 'ECONNRESET';
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, reset });
    });
    socket.write(request);
  });
}

const AUTH = `Authorization: Bearer ${TOKEN}\r\n`;
const post = (headers: string): string => `POST /api/v1/cameras HTTP/1.1\r\nHost: x\r\n${AUTH}${headers}\r\n{}`;
const withHeaders = (count: number): string =>
  `GET /api/v1/health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: count - 1 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`;
const withUrlBytes = (bytes: number): string => `GET /api/v1/health?x=${'a'.repeat(bytes)} HTTP/1.1\r\nHost: x\r\n\r\n`;

/** [case, request, how the connection ends without a response]. */
const REFUSED: Array<[string, string, 'close' | 'reset']> = [
  ['HTTP/1.0', 'GET /api/v1/health HTTP/1.0\r\n\r\n', 'close'],
  ['HTTP/1.0 with Host', 'GET /api/v1/health HTTP/1.0\r\nHost: x\r\n\r\n', 'close'],
  ['HTTP/1.1 without Host', 'GET /api/v1/health HTTP/1.1\r\n\r\n', 'close'],
  ['HTTP/1.2', 'GET /api/v1/health HTTP/1.2\r\nHost: x\r\n\r\n', 'close'],
  ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'close'],
  ['bytes that are not HTTP', 'hello\r\n\r\n', 'close'],
  ['a lower-case method', 'get /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n', 'close'],
  ['an unknown method', 'PROPFIND /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n', 'close'],
  ['Content-Length: -1', post('Content-Length: -1\r\n'), 'close'],
  ['Content-Length: abc', post('Content-Length: abc\r\n'), 'close'],
  ['Content-Length: 1e3', post('Content-Length: 1e3\r\n'), 'close'],
  ['Content-Length: 2^64', post('Content-Length: 18446744073709551616\r\n'), 'close'],
  ['Content-Length with Transfer-Encoding', post('Content-Length: 2\r\nTransfer-Encoding: chunked\r\n'), 'close'],
  ['49 header lines', withHeaders(49), 'close'],
  ['101 header lines', withHeaders(101), 'close'],
  ['a 200 KB URL', withUrlBytes(200_000), 'reset'],
];

describe('requests the HTTP parser refuses before the API', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  test('each documented case ends without a response, in the documented way, and the server keeps serving', async () => {
    // In parallel: the idle-timeout cases each take about 10 s.
    const outcomes = await Promise.all(
      REFUSED.map(async ([name, request, how]) => ({ name, how, outcome: await exchange(t.server.port, request) })),
    );
    const wrong = outcomes
      .filter(({ how, outcome }) => outcome.response !== '' || (how === 'reset') !== outcome.reset)
      .map(
        ({ name, how, outcome }) =>
          `${name}: expected ${how} without a response, got ${outcome.reset ? 'reset' : 'close'} after ${JSON.stringify(outcome.response.slice(0, 60))}`,
      );
    assert.deepEqual(wrong, []);
    assert.equal((await fetch(`${t.base}/api/v1/health`)).status, 200);
  });

  test('just inside the limits the API answers: 48 header lines, a 100 KB URL, the nine standard methods', async () => {
    assert.match((await exchange(t.server.port, `${withHeaders(47).slice(0, -2)}Connection: close\r\n\r\n`)).response, /^HTTP\/1\.1 200 /);
    assert.match(
      (await exchange(t.server.port, withUrlBytes(100_000).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'))).response,
      /^HTTP\/1\.1 200 /,
    );
    for (const method of ['HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH']) {
      const { response } = await exchange(t.server.port, `${method} /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.match(response, /^HTTP\/1\.1 405 [\s\S]*\r\nallow: GET\r\n/i, method);
    }
  });
});
