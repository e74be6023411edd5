import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Secret } from '../../../src/config/secret.ts';
import { sampleEvent } from '../../support/recording-site.ts';
import { call, CAMERA, errorCode, OTHER_TOKEN, rawExchange, startTestServer, TOKEN, type TestServer } from './test-server.ts';

describe('REST API', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ bodyLimitBytes: 4096 });
  });
  after(() => t.close());

  test('GET /health answers 200 without a token while healthy and 503 when critical', async () => {
    const healthy = await call(t, 'GET', '/api/v1/health', undefined, {});
    assert.equal(healthy.status, 200);
    assert.deepEqual(healthy.json(), { status: 'healthy', reasons: [] });
    t.site.healthLevel = 'critical';
    try {
      const critical = await call(t, 'GET', '/api/v1/health/detailed', undefined, {});
      assert.equal(critical.status, 503);
      assert.equal((critical.json() as { status: string }).status, 'critical');
    } finally {
      t.site.healthLevel = 'healthy';
    }
  });

  test('metrics, status and the OpenAPI document are public; the camera list needs a token', async () => {
    const metrics = await call(t, 'GET', '/api/v1/metrics', undefined, {});
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(metrics.text, /^panoptes_up 1$/m);
    assert.equal((await call(t, 'GET', '/api/v1/status', undefined, {})).status, 200);
    assert.equal((await call(t, 'GET', '/api/v1/openapi.json', undefined, {})).status, 200);
    const refused = await call(t, 'GET', '/api/v1/cameras', undefined, {});
    assert.equal(refused.status, 401);
    assert.equal(errorCode(refused), 'E_UNAUTHORIZED');
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="panoptes"');
  });

  test('every configured token is accepted and a wrong one is refused', async () => {
    assert.equal((await call(t, 'GET', '/api/v1/cameras', undefined, { authorization: `Bearer ${TOKEN}` })).status, 200);
    assert.equal((await call(t, 'GET', '/api/v1/cameras', undefined, { authorization: `bearer ${OTHER_TOKEN}` })).status, 200);
    assert.equal((await call(t, 'GET', '/api/v1/cameras', undefined, { authorization: `Bearer ${TOKEN}x` })).status, 401);
    assert.equal((await call(t, 'GET', '/api/v1/cameras', undefined, { authorization: TOKEN })).status, 401);
  });

  test('a camera is added (201 with Location), read, replaced, acted on and removed (204)', async () => {
    const added = await call(t, 'POST', '/api/v1/cameras', CAMERA);
    assert.equal(added.status, 201);
    assert.equal(added.headers.get('location'), '/api/v1/cameras/gate');
    assert.equal((added.json() as { url: string }).url, 'rtsp://***:***@10.0.0.5/stream1');

    const list = await call(t, 'GET', '/api/v1/cameras');
    assert.deepEqual(
      (list.json() as Array<{ id: string }>).map((c) => c.id),
      ['gate'],
    );
    const one = await call(t, 'GET', '/api/v1/cameras/gate');
    assert.equal(one.status, 200);
    assert.equal((one.json() as { config: { channel: number } }).config.channel, 1);

    const replaced = await call(t, 'PUT', '/api/v1/cameras/gate', { ...CAMERA, name: 'Main gate' });
    assert.equal(replaced.status, 200);
    assert.equal((replaced.json() as { name: string }).name, 'Main gate');

    for (const action of ['restart', 'disable', 'enable']) {
      const answer = await call(t, 'POST', `/api/v1/cameras/gate/${action}`);
      assert.equal(answer.status, 200, action);
    }
    assert.deepEqual(
      t.site.calls.filter((c) => ['restartCamera', 'setEnabled'].includes(c.method)).map((c) => c.args),
      [['gate'], ['gate', false], ['gate', true]],
    );

    const removed = await call(t, 'DELETE', '/api/v1/cameras/gate');
    assert.equal(removed.status, 204);
    assert.equal(removed.text, '');
    assert.equal((await call(t, 'GET', '/api/v1/cameras/gate')).status, 404);
  });

  test('adding an existing id is 409 and an invalid camera is 400 listing every problem', async () => {
    await call(t, 'POST', '/api/v1/cameras', { ...CAMERA, id: 'dup', channel: 40 });
    const conflict = await call(t, 'POST', '/api/v1/cameras', { ...CAMERA, id: 'dup', channel: 41 });
    assert.equal(conflict.status, 409);
    assert.equal(errorCode(conflict), 'E_CAMERA_EXISTS');
    const invalid = await call(t, 'POST', '/api/v1/cameras', {
      id: 'Bad Id',
      channel: 'one',
      streams: { primary: 'gopher://x' },
      colour: 'red',
    });
    assert.equal(invalid.status, 400);
    assert.deepEqual((invalid.json() as { error: { problems: string[] } }).error.problems, [
      'id: expected a slug: lower-case letters, digits, - or _ (at most 64, starting with a letter or digit)',
      'channel: expected a number, received a string',
      "streams.primary: unsupported URL scheme 'gopher': expected rtsp://, rtsps://, http://, https://, file://, lavfi: or a file path",
      'colour: unknown key',
    ]);
  });

  test('a camera config read back holds no literal password, in the userinfo or the query', async () => {
    const primary = 'rtsp://admin:my@secret@10.0.0.7/s?password=qwerty9&ch=1';
    const secondary = 'http://10.0.0.7/sub?token=t0k3n&user=viewer';
    await call(t, 'POST', '/api/v1/cameras', { id: 'dock', channel: 7, streams: { primary, secondary } });
    const one = await call(t, 'GET', '/api/v1/cameras/dock');
    assert.equal(one.status, 200);
    const { url, config } = one.json() as { url: string; config: { streams: Record<string, string> } };
    assert.deepEqual(config.streams, {
      primary: 'rtsp://***:***@10.0.0.7/s?password=***&ch=1',
      secondary: 'http://10.0.0.7/sub?token=***&user=viewer',
    });
    assert.equal(url, 'http://10.0.0.7/sub?token=***&user=viewer');
    for (const secret of ['my@secret', 'secret@', 'qwerty9', 't0k3n']) assert.ok(!one.text.includes(secret), secret);
    await call(t, 'DELETE', '/api/v1/cameras/dock');
  });

  test('a PUT body naming another id than the path is refused with a problem naming id', async () => {
    await call(t, 'POST', '/api/v1/cameras', { ...CAMERA, id: 'pier', channel: 8 });
    const renamed = await call(t, 'PUT', '/api/v1/cameras/pier', { ...CAMERA, id: 'other', channel: 8 });
    assert.equal(renamed.status, 400);
    assert.equal(errorCode(renamed), 'E_CONFIG_INVALID');
    assert.deepEqual((renamed.json() as { error: { problems: string[] } }).error.problems, [
      "id: differs from the camera being changed ('pier'); omit id or send 'pier' (to rename a camera, remove it and add it under the new id)",
    ]);
    assert.equal((await call(t, 'GET', '/api/v1/cameras/other')).status, 404);
    const { id: _id, ...withoutId } = CAMERA;
    assert.equal((await call(t, 'PUT', '/api/v1/cameras/pier', { ...withoutId, channel: 8 })).status, 200, 'an omitted id is the path id');
    await call(t, 'DELETE', '/api/v1/cameras/pier');
  });

  test('a __proto__ key in a camera body is an unknown key, at the top and nested', async () => {
    const top = await call(
      t,
      'POST',
      '/api/v1/cameras',
      `{"id":"proto","channel":9,"streams":{"primary":"lavfi:testsrc"},"__proto__":{"enabled":false}}`,
    );
    assert.equal(top.status, 400);
    assert.deepEqual((top.json() as { error: { problems: string[] } }).error.problems, ['__proto__: unknown key']);
    const nested = await call(
      t,
      'POST',
      '/api/v1/cameras',
      `{"id":"proto","channel":9,"streams":{"primary":"lavfi:testsrc","__proto__":{}}}`,
    );
    assert.deepEqual((nested.json() as { error: { problems: string[] } }).error.problems, ['streams.__proto__: unknown key']);
    assert.equal((await call(t, 'GET', '/api/v1/cameras/proto')).status, 404);
  });

  test('unknown camera ids are 404 on every camera and stream route', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/api/v1/cameras/nobody'],
      ['PUT', '/api/v1/cameras/nobody'],
      ['DELETE', '/api/v1/cameras/nobody'],
      ['POST', '/api/v1/cameras/nobody/restart'],
      ['POST', '/api/v1/cameras/nobody/enable'],
      ['POST', '/api/v1/cameras/nobody/disable'],
      ['GET', '/api/v1/streams/nobody/status'],
      ['GET', '/api/v1/streams/nobody/stats'],
      ['POST', '/api/v1/streams/nobody/start'],
      ['POST', '/api/v1/streams/nobody/stop'],
    ];
    for (const [method, path] of routes) {
      const answer = await call(t, method, path, method === 'PUT' ? { ...CAMERA, id: 'nobody' } : undefined);
      assert.equal(answer.status, 404, `${method} ${path}`);
      assert.equal(errorCode(answer), 'E_CAMERA_NOT_FOUND');
    }
  });

  test('streams report status and stats, and start and stop ingest without touching the config', async () => {
    await call(t, 'POST', '/api/v1/cameras', { ...CAMERA, id: 'yard', channel: 2 });
    const stopped = await call(t, 'POST', '/api/v1/streams/yard/stop');
    assert.equal(stopped.status, 200);
    assert.deepEqual(Object.keys(stopped.json() as object).sort(), [
      'analysedFps',
      'id',
      'inputFps',
      'lastError',
      'reconnects',
      'state',
      'stream',
      'streaming',
    ]);
    assert.equal((stopped.json() as { streaming: boolean }).streaming, false);
    assert.equal(((await call(t, 'GET', '/api/v1/streams/yard/status')).json() as { streaming: boolean }).streaming, false);
    assert.equal(((await call(t, 'POST', '/api/v1/streams/yard/start')).json() as { streaming: boolean }).streaming, true);
    const stats = await call(t, 'GET', '/api/v1/streams/yard/stats');
    assert.equal(stats.status, 200);
    assert.equal((stats.json() as { drops: { ring_full: number } }).drops.ring_full, 1);
    assert.equal(t.site.calls.filter((c) => c.method === 'setEnabled' && c.args[0] === 'yard').length, 0);
  });

  test('event query parameters reach the site as a typed query, and snapshots are served as JPEG', async () => {
    t.site.recentEvents.push(sampleEvent('gate', 'person', 3), sampleEvent('gate', 'car', 2), sampleEvent('yard', 'person', 1));
    const people = await call(t, 'GET', '/api/v1/events?label=person&limit=1');
    assert.equal(people.status, 200);
    assert.deepEqual(
      (people.json() as { events: Array<{ id: string }> }).events.map((e) => e.id),
      [sampleEvent('gate', 'person', 3).id],
    );
    assert.deepEqual(t.site.calls.at(-1), { method: 'events', args: [{ label: 'person', limit: 1 }] });
    await call(t, 'GET', '/api/v1/events?camera=yard&zone=dock&after=5&before=9&hasClip=false&order=asc');
    assert.deepEqual(t.site.calls.at(-1), {
      method: 'events',
      args: [{ camera: 'yard', zone: 'dock', afterMs: 5, beforeMs: 9, hasClip: false, order: 'asc', limit: 100 }],
    });

    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    t.site.snapshots.set('evt-1', jpeg);
    const res = await fetch(`${t.base}/api/v1/events/evt-1/snapshot.jpg`, { headers: t.auth });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), jpeg);
    const missing = await call(t, 'GET', '/api/v1/events/evt-2/snapshot.jpg');
    assert.equal(missing.status, 404);
    assert.equal(errorCode(missing), 'E_NOT_FOUND');
  });

  test('status counts cameras by state without naming them', async () => {
    const status = await call(t, 'GET', '/api/v1/status', undefined, {});
    const body = status.json() as { cameras: { total: number; byState: Record<string, number> } };
    assert.equal(body.cameras.total, t.site.cameras().length);
    assert.equal(
      Object.values(body.cameras.byState).reduce((a, b) => a + b, 0),
      body.cameras.total,
    );
    assert.doesNotMatch(status.text, /rtsp|gate|yard/);
  });

  test('compat: /camera/start adds an unknown camera with the next channel, then starts a known one', async () => {
    const before = Math.max(...t.site.cameras().map((c) => c.channel));
    const created = await call(t, 'POST', '/camera/start', { rtsp_link: 'rtsp://ops:s3cretpw@10.0.0.9/live', camera_id: 12 });
    assert.equal(created.status, 200);
    assert.deepEqual(created.json(), {
      camera_id: '12',
      worker_id: '12',
      rtsp_link: 'rtsp://***:***@10.0.0.9/live',
      status: 'ONLINE',
      running: true,
      fps: 5,
      created: true,
    });
    assert.equal(t.site.camera('12')?.channel, before + 1);
    const stopped = await call(t, 'POST', '/camera/stop', { worker_id: '12' });
    assert.equal((stopped.json() as { running: boolean }).running, false);
    const restarted = await call(t, 'POST', '/camera/start', { rtsp_link: 'rtsp://other/x', camera_id: '12' });
    assert.equal((restarted.json() as { created: boolean; running: boolean }).created, false);
    assert.equal((restarted.json() as { running: boolean }).running, true);
    const list = await call(t, 'GET', '/camera/status');
    assert.ok((list.json() as { cameras: Array<{ camera_id: string }> }).cameras.some((c) => c.camera_id === '12'));
    assert.equal((await call(t, 'POST', '/camera/stop', { camera_id: 'ghost' })).status, 404);
    const neither = await call(t, 'POST', '/camera/stop', {});
    assert.equal(neither.status, 400);
    assert.deepEqual((neither.json() as { error: { problems: string[] } }).error.problems, ['(root): expected camera_id or worker_id']);
  });

  test('a wrong method is 405 with an Allow header and an unknown path is 404', async () => {
    const wrong = await call(t, 'PATCH', '/api/v1/cameras/gate');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, PUT, DELETE');
    assert.equal(errorCode(wrong), 'E_METHOD_NOT_ALLOWED');
    const unknown = await call(t, 'GET', '/api/v2/cameras');
    assert.equal(unknown.status, 404);
    assert.equal(errorCode(unknown), 'E_NOT_FOUND');
  });

  test('a body over the limit is 413 from its Content-Length, before it is read', async () => {
    const big = await call(t, 'POST', '/api/v1/cameras', { ...CAMERA, name: 'x'.repeat(5000) });
    assert.equal(big.status, 413);
    assert.equal(errorCode(big), 'E_BODY_TOO_LARGE');
    assert.equal((await call(t, 'GET', '/api/v1/health')).status, 200);
  });

  test('a chunked body is refused with 413 as soon as it passes the limit, and the connection is closed', async () => {
    const chunk = 'a'.repeat(3000);
    const head = `POST /api/v1/cameras HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const body = `${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(2);
    // The last chunk is never sent: the answer has to come from the limit, not from the end of the body.
    const response = await rawExchange(t.server.port, head + body);
    assert.match(response, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
    assert.match(response, /"E_BODY_TOO_LARGE"/);
    assert.equal((await call(t, 'GET', '/api/v1/health')).status, 200);
  });

  test('pipelined requests on one connection are answered in order, bodies and errors included', async () => {
    const auth = `Authorization: Bearer ${TOKEN}\r\n`;
    const response = await rawExchange(
      t.server.port,
      [
        'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}',
        `POST /api/v1/cameras/ghost/restart HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 2\r\n\r\n{}`,
        `POST /api/v1/cameras HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 4\r\n\r\n{bad`,
        'GET /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ].join(''),
    );
    assert.deepEqual(response.match(/HTTP\/1\.1 \d+/g), ['HTTP/1.1 200', 'HTTP/1.1 404', 'HTTP/1.1 400', 'HTTP/1.1 200']);
  });

  test('a body on a route that takes none is 400, and an empty object is accepted', async () => {
    await call(t, 'POST', '/api/v1/cameras', { ...CAMERA, id: 'porch', channel: 3 });
    assert.equal((await call(t, 'POST', '/api/v1/cameras/porch/restart', {})).status, 200);
    const refused = await call(t, 'POST', '/api/v1/cameras/porch/restart', { force: true });
    assert.equal(refused.status, 400);
    assert.deepEqual((refused.json() as { error: { problems: string[] } }).error.problems, ['(root): expected no body']);
  });
});

describe('REST API without tokens', () => {
  test('every route is open when http.tokens is empty', async () => {
    const t = await startTestServer({ tokens: [] });
    try {
      assert.equal((await call(t, 'GET', '/api/v1/cameras', undefined, {})).status, 200);
      assert.equal((await call(t, 'POST', '/api/v1/cameras', CAMERA, {})).status, 201);
    } finally {
      t.close();
    }
  });

  test('the configured tokens never appear in a log line', async () => {
    const t = await startTestServer({ tokens: [new Secret(TOKEN)] });
    try {
      await call(t, 'GET', '/api/v1/cameras', undefined, { authorization: `Bearer ${TOKEN}` });
      await call(t, 'GET', '/api/v1/cameras', undefined, { authorization: 'Bearer wrong-token-value' });
      await call(t, 'POST', '/api/v1/cameras', CAMERA);
      assert.ok(t.logs.length > 3);
      for (const line of t.logs) {
        assert.ok(!line.includes(TOKEN) && !line.includes('wrong-token-value') && !line.includes('hunter2pass'), line);
      }
    } finally {
      t.close();
    }
  });
});
