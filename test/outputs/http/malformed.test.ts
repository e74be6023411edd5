/**
 * Hundreds of malformed requests, generated deterministically (every truncation of a valid body,
 * every field with every wrong type, odd paths, bad ids, bad tokens, wrong methods): each gets the
 * right 4xx with the right code, no answer carries a secret, and the server keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, CAMERA, errorCode, OTHER_TOKEN, rawExchange, startTestServer, TOKEN, type TestServer } from './test-server.ts';

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
}

const LIMIT = 2048;
const VALID = JSON.stringify(CAMERA);

function badJsonCases(): Case[] {
  const bodies = [
    '{',
    '}',
    '[',
    '{"id":',
    "{'id':'gate'}",
    '{id:"gate"}',
    '{"id":"gate",}',
    'undefined',
    'NaN',
    '{"a":1}{"b":2}',
    '\u0000',
    '{"id":"gate"',
    'tru',
    'nul',
    '"unterminated',
    '[1,2',
    '{"a":[}',
    '{"a":01}',
    '{"a":.5}',
    '{"a":1e}',
  ];
  // Every 7th truncation of a valid camera body is not JSON any more.
  for (let end = 1; end < VALID.length - 1; end += 7) bodies.push(VALID.slice(0, end));
  return bodies.map((body, i) => ({
    name: `bad JSON #${i}`,
    method: 'POST',
    path: '/api/v1/cameras',
    body,
    status: 400,
    code: 'E_BAD_REQUEST',
  }));
}

function wrongTypeCases(): Case[] {
  const fields: Array<[string, (value: unknown) => unknown, unknown[]]> = [
    ['id', (v) => ({ ...CAMERA, id: v }), [5, true, null, [], {}, 'Bad Id', '', '-x']],
    ['channel', (v) => ({ ...CAMERA, channel: v }), ['one', 1.5, 0, -1, true, null, [], {}]],
    ['streams', (v) => ({ ...CAMERA, streams: v }), ['rtsp://x', 5, null, [], {}]],
    ['streams.primary', (v) => ({ ...CAMERA, streams: { primary: v } }), [5, true, null, [], {}, '', 'gopher://x', 'rtsp://']],
    ['enabled', (v) => ({ ...CAMERA, enabled: v }), ['yes', 1, 0, null, [], {}]],
    ['ai.fps', (v) => ({ ...CAMERA, ai: { fps: v } }), ['5', 0, -1, 500, true, null]],
    ['tags', (v) => ({ ...CAMERA, tags: v }), ['a', 5, [1], [''], {}, null]],
    ['motion.threshold', (v) => ({ ...CAMERA, motion: { threshold: v } }), [0, 256, 1.5, '25', null, []]],
  ];
  const cases: Case[] = fields.flatMap(([field, build, values]) =>
    values.map((value) => ({
      name: `${field} = ${JSON.stringify(value)}`,
      method: 'POST',
      path: '/api/v1/cameras',
      body: JSON.stringify(build(value)),
      status: 400,
      code: 'E_CONFIG_INVALID',
    })),
  );
  for (const body of ['[]', '"camera"', '42', 'true', 'null']) {
    cases.push({ name: `top-level ${body}`, method: 'POST', path: '/api/v1/cameras', body, status: 400, code: 'E_BAD_REQUEST' });
  }
  return cases;
}

function unknownFieldCases(): Case[] {
  const places: Array<[string, (key: string) => unknown]> = [
    ['top level', (k) => ({ ...CAMERA, [k]: 1 })],
    ['streams', (k) => ({ ...CAMERA, streams: { ...CAMERA.streams, [k]: 1 } })],
    ['ai', (k) => ({ ...CAMERA, ai: { [k]: 1 } })],
    ['lifecycle', (k) => ({ ...CAMERA, lifecycle: { [k]: 1 } })],
  ];
  const keys = ['colour', 'rtspUrl', '__proto__x', 'Id', 'ENABLED'];
  return places.flatMap(([where, build]) =>
    keys.map((key) => ({
      name: `unknown ${key} in ${where}`,
      method: 'POST',
      path: '/api/v1/cameras',
      body: JSON.stringify(build(key)),
      status: 400,
      code: 'E_CONFIG_INVALID',
    })),
  );
}

function hugeBodyCases(): Case[] {
  return [LIMIT + 1, LIMIT + 100, LIMIT * 2, 10_000, 60_000].flatMap((size) => [
    {
      name: `body of ${size} bytes`,
      method: 'POST',
      path: '/api/v1/cameras',
      body: JSON.stringify({ ...CAMERA, name: 'n'.repeat(size) }),
      status: 413,
      code: 'E_BODY_TOO_LARGE',
    },
    {
      name: `compat body of ${size} bytes`,
      method: 'POST',
      path: '/camera/start',
      body: 'x'.repeat(size),
      status: 413,
      code: 'E_BODY_TOO_LARGE',
    },
  ]);
}

function oddPathCases(): Case[] {
  const paths = [
    // `/` is the camera list page (src/ui/); only the files that exist there are pages.
    '/ui',
    '/ui/',
    '/ui/missing.js',
    '/index.html',
    '/api',
    '/api/v1',
    '/api/v1/',
    '/api/v1/cameras/',
    '/api/v1//cameras',
    '/api/v1/cameras/gate/extra',
    '/api/v1/cameras/gate/restart/now',
    '/api/v1/streams/gate',
    '/api/v1/streams/gate/',
    '/api/v1/events/',
    '/api/v1/events/x/snapshot.png',
    '/api/v2/health',
    '/API/V1/HEALTH',
    '/api/v1/health/',
    '/api/v1/health/detailed/more',
    '/camera',
    '/camera/',
    '/camera/start/now',
    '/cameras/start',
    '/etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/api/v1/cameras%2Fgate',
    `/${'a'.repeat(2000)}`,
    '/api/v1/openapi.yaml',
    '/favicon.ico',
    '/ws/extra',
    '/api/v1/metrics/extra',
    '/index.html',
    '/api/v1/status/',
  ];
  return paths.map((path) => ({ name: `path ${path.slice(0, 40)}`, method: 'GET', path, status: 404, code: 'E_NOT_FOUND' }));
}

function badIdCases(): Case[] {
  const ids = [
    'nobody',
    'GATE',
    'gate%20',
    '%00',
    '...',
    'a%2Fb',
    '%E2%98%83',
    'x'.repeat(300),
    '-gate',
    'gate.json',
    '%25',
    "gate'--",
    '%3Cscript%3E',
    '0',
  ];
  return ids.flatMap((id) => [
    { name: `GET camera ${id.slice(0, 30)}`, method: 'GET', path: `/api/v1/cameras/${id}`, status: 404, code: 'E_CAMERA_NOT_FOUND' },
    { name: `restart ${id.slice(0, 30)}`, method: 'POST', path: `/api/v1/cameras/${id}/restart`, status: 404, code: 'E_CAMERA_NOT_FOUND' },
    { name: `stats ${id.slice(0, 30)}`, method: 'GET', path: `/api/v1/streams/${id}/stats`, status: 404, code: 'E_CAMERA_NOT_FOUND' },
  ]);
}

function badTokenCases(): Case[] {
  const headers = [
    '',
    'Bearer',
    'Bearer ',
    `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`,
    TOKEN,
    `Token ${TOKEN}`,
    `Bearer ${TOKEN.slice(0, -1)}`,
    `Bearer ${TOKEN}a`,
    `Bearer ${TOKEN.toUpperCase()}`,
    `Bearer ${TOKEN},${OTHER_TOKEN}`,
    `Bearer ${TOKEN} ${OTHER_TOKEN}`,
    `Bearer ${Buffer.from(TOKEN).toString('base64')}`,
    'Bearer null',
    'Bearer undefined',
    `BearerX ${TOKEN}`,
  ];
  const routes: Array<[string, string, string?]> = [
    ['GET', '/api/v1/cameras'],
    ['POST', '/api/v1/cameras', VALID],
    ['GET', '/api/v1/events'],
    ['POST', '/camera/start', '{}'],
    ['GET', '/camera/status'],
  ];
  return headers.flatMap((header, i) =>
    routes
      .filter((_, r) => (i + r) % 2 === 0 || i < 5)
      .map(
        ([method, path, body]): Case => ({
          name: `token #${i} on ${method} ${path}`,
          method,
          path,
          ...(body !== undefined ? { body } : {}),
          headers: header === '' ? {} : ({ authorization: header } as Record<string, string>),
          status: 401,
          code: 'E_UNAUTHORIZED',
        }),
      ),
  );
}

function wrongMethodCases(): Case[] {
  const table: Array<[string, string[]]> = [
    ['/api/v1/health', ['POST', 'PUT', 'DELETE', 'PATCH']],
    ['/api/v1/metrics', ['POST', 'DELETE']],
    ['/api/v1/status', ['PUT']],
    ['/api/v1/cameras', ['PUT', 'DELETE', 'PATCH']],
    ['/api/v1/cameras/gate', ['POST', 'PATCH']],
    ['/api/v1/cameras/gate/restart', ['GET', 'PUT', 'DELETE']],
    ['/api/v1/streams/gate/status', ['POST', 'DELETE']],
    ['/api/v1/streams/gate/start', ['GET', 'PUT']],
    ['/api/v1/events', ['POST', 'DELETE']],
    ['/api/v1/events/e1', ['POST', 'PUT', 'DELETE']],
    ['/api/v1/events/e1/snapshot.jpg', ['POST', 'DELETE']],
    ['/camera/start', ['GET', 'PUT']],
    ['/camera/stop', ['GET']],
    ['/camera/status', ['POST', 'DELETE']],
    ['/api/v1/openapi.json', ['POST']],
  ];
  return table.flatMap(([path, methods]) =>
    methods.map((method) => ({ name: `${method} ${path}`, method, path, status: 405, code: 'E_METHOD_NOT_ALLOWED' })),
  );
}

function badQueryCases(): Case[] {
  const queries = [
    'limit=abc',
    'limit=0',
    'limit=1001',
    'limit=-5',
    'limit=1.5',
    'limit=',
    'since=5',
    'after=yesterday',
    'after=-1',
    'after=1e9',
    'before=2024-01-01',
    'after=10&before=10',
    'hasClip=yes',
    'order=newest',
    'cursor=',
    'cursor=not-a-cursor',
    'zone=',
    'camera=',
    'label=',
    'color=red',
    'limit=10&extra=1',
    'Limit=10',
    'limit=99999999999999999999',
  ];
  return queries.map((query) => ({
    name: `events?${query}`,
    method: 'GET',
    path: `/api/v1/events?${query}`,
    status: 400,
    code: 'E_BAD_REQUEST',
  }));
}

function compatCases(): Case[] {
  const bodies: unknown[] = [
    {},
    { camera_id: 'gate' },
    { rtsp_link: 'rtsp://h/x' },
    { rtsp_link: 5, camera_id: 'gate' },
    { rtsp_link: 'rtsp://h/x', camera_id: 'Bad Id' },
    { rtsp_link: 'rtsp://h/x', camera_id: -3 },
    { rtsp_link: 'rtsp://h/x', camera_id: 1.5 },
    { rtsp_link: 'ftp://h/x', camera_id: 'gate' },
    { rtsp_link: 'rtsp://h/x', camera_id: 'gate', extra: true },
    { rtsp_link: '', camera_id: 'gate' },
    [],
    'start',
  ];
  const stops: unknown[] = [{}, { camera_id: null }, { worker_id: 'Bad Id' }, { camera_id: 'gate', force: 1 }, { id: 'gate' }];
  return [
    ...bodies.map((body, i) => ({
      name: `compat start #${i}`,
      method: 'POST',
      path: '/camera/start',
      body: JSON.stringify(body),
      status: 400,
      code: 'E_BAD_REQUEST',
    })),
    ...stops.map((body, i) => ({
      name: `compat stop #${i}`,
      method: 'POST',
      path: '/camera/stop',
      body: JSON.stringify(body),
      status: 400,
      code: 'E_BAD_REQUEST',
    })),
  ];
}

function allCases(): Case[] {
  return [
    ...badJsonCases(),
    ...wrongTypeCases(),
    ...unknownFieldCases(),
    ...hugeBodyCases(),
    ...oddPathCases(),
    ...badIdCases(),
    ...badTokenCases(),
    ...wrongMethodCases(),
    ...badQueryCases(),
    ...compatCases(),
  ];
}

/** A request line and headers with a large Content-Length, then silence: the answer must not wait for the body. */
function declaredHugeBody(port: number, declared: number): Promise<string> {
  return rawExchange(
    port,
    `POST /api/v1/cameras HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n{"id":`,
  );
}

describe('malformed requests', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ bodyLimitBytes: LIMIT });
    await t.site.addCamera(CAMERA);
  });
  after(() => t.close());

  test('at least 200 malformed requests each get the right 4xx and error code, and the server keeps serving', async () => {
    const cases = allCases();
    assert.ok(cases.length >= 200, `only ${cases.length} cases`);
    const failures: string[] = [];
    for (const [i, c] of cases.entries()) {
      const answer = await call(t, c.method, c.path, c.body, c.headers ?? t.auth);
      let code = '(not JSON)';
      try {
        code = errorCode(answer);
      } catch {
        /* reported below */
      }
      if (answer.status !== c.status || code !== c.code)
        failures.push(`${c.name}: ${answer.status} ${code}, expected ${c.status} ${c.code}`);
      for (const secret of [TOKEN, OTHER_TOKEN, 'hunter2pass'])
        if (answer.text.includes(secret)) failures.push(`${c.name}: answer holds a secret`);
      if (i % 25 === 0 && (await fetch(`${t.base}/api/v1/health`)).status !== 200) failures.push(`health failed after ${c.name}`);
    }
    assert.deepEqual(failures, []);
    assert.equal((await fetch(`${t.base}/api/v1/cameras/gate`, { headers: t.auth })).status, 200);
    assert.deepEqual(
      t.site.cameras().map((c) => c.id),
      ['gate'],
    );
  });

  test('a huge declared Content-Length is refused with 413 before any body arrives', async () => {
    for (const declared of [LIMIT + 1, 1_000_000, 999_999_999]) {
      const response = await declaredHugeBody(t.server.port, declared);
      assert.match(response, /^HTTP\/1\.1 413 /, `Content-Length ${declared}`);
    }
    assert.equal((await fetch(`${t.base}/api/v1/health`)).status, 200);
  });

  test('a Content-Length of ten digits or more is cut off by the HTTP parser, and the server keeps serving', async () => {
    for (const declared of [1e9, 2 ** 31, 2 ** 53])
      assert.equal(await declaredHugeBody(t.server.port, declared), '', `Content-Length ${declared}`);
    assert.equal((await fetch(`${t.base}/api/v1/health`)).status, 200);
  });
});
