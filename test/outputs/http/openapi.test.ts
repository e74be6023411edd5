import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiRoutes } from '../../../src/outputs/http/server.ts';
import { startTestServer, type TestServer } from './test-server.ts';

interface Operation {
  operationId: string;
  security?: unknown[];
  parameters: Array<{ name: string; in: string; required: boolean }>;
  requestBody?: { content: { 'application/json': { schema: { required?: string[]; properties?: Record<string, unknown> } } } };
  responses: Record<string, { content?: Record<string, unknown> }>;
}

type Document = {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

/** Every `$ref` in the document, with where it was found. */
function refs(value: unknown, at = '#'): Array<[string, string]> {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [[at, inner] as [string, string]] : refs(inner, `${at}/${key}`),
  );
}

function resolve(document: unknown, pointer: string): unknown {
  return pointer
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
}

describe('OpenAPI document', () => {
  let t: TestServer;
  let document: Document;
  before(async () => {
    t = await startTestServer();
    const res = await fetch(`${t.base}/api/v1/openapi.json`);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    document = JSON.parse(await res.text()) as Document;
  });
  after(() => t.close());

  test('is served without a token as OpenAPI 3.1 JSON with the package version', () => {
    assert.equal(document.openapi, '3.1.0');
    assert.match(document.info.version, /^\d+\.\d+\.\d+/);
  });

  test('lists every route of the table with its method, and nothing else', () => {
    const routes = apiRoutes();
    for (const route of routes) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      assert.ok(operation, `${route.method} ${route.path} is missing`);
      assert.equal(operation.operationId, route.operationId);
    }
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    assert.deepEqual(documented.sort(), routes.map((r) => `${r.method} ${r.path}`).sort());
    assert.equal(new Set(routes.map((r) => r.operationId)).size, routes.length, 'operationIds are unique');
  });

  test('token routes document 401, public routes opt out of security, and path parameters are declared', () => {
    for (const route of apiRoutes()) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()] as Operation;
      if (route.access === 'token') assert.ok(operation.responses['401'], `${route.operationId} lacks 401`);
      else assert.deepEqual(operation.security, [], route.operationId);
      const declared = operation.parameters.filter((p) => p.in === 'path').map((p) => p.name);
      assert.deepEqual(
        declared,
        [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
        route.operationId,
      );
    }
  });

  test('the camera body is the config schema of a camera and the event query lists its parameters', () => {
    const body = document.paths['/api/v1/cameras']?.['post']?.requestBody?.content['application/json'].schema;
    assert.deepEqual([...(body?.required ?? [])].sort(), ['channel', 'id', 'streams']);
    assert.ok(body?.properties?.['motion'], 'camera settings are documented');
    const query = document.paths['/api/v1/events']?.['get']?.parameters.map((p) => p.name);
    assert.deepEqual(query, ['camera', 'label', 'zone', 'after', 'before', 'hasClip', 'order', 'cursor', 'limit']);
  });

  test('every $ref points at a schema inside the document', () => {
    const found = refs(document);
    assert.ok(found.length > 0);
    for (const [at, ref] of found) {
      assert.ok(ref.startsWith('#/'), `${at}: ${ref}`);
      assert.ok(resolve(document, ref) !== undefined, `${at}: ${ref} does not resolve`);
    }
  });
});
