/**
 * The OpenAPI 3.1 document, built from the route table and the zod schemas the server validates
 * with: a route cannot exist without being documented, and a documented body is the one enforced.
 * OpenAPI 3.1 uses JSON Schema 2020-12, which is what z.toJSONSchema writes.
 */
import { z } from 'zod';
import { defineRoute, json, type Route } from './route.ts';
import { errorBodySchema } from './schemas.ts';

type JsonObject = Record<string, unknown>;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request: bad JSON, a wrong type, an unknown field; `problems` lists each as `path: message`.',
  401: 'Missing or invalid bearer token.',
  404: 'Unknown id.',
  405: 'Wrong method for this path; the Allow header lists the right ones.',
  409: 'Conflict: the id or channel is taken.',
  413: 'Body larger than http.bodyLimitBytes.',
  500: 'Internal error; the gateway log has the cause.',
};

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonObject;
  return rest;
}

/** Query parameters from the top-level properties of the query schema (an object of strings). */
function queryParameters(schema: z.ZodType): JsonObject[] {
  const jsonSchema = schemaOf(schema, 'input') as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(jsonSchema.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: jsonSchema.required?.includes(name) ?? false,
    schema: property,
    ...(typeof property['description'] === 'string' ? { description: property['description'] } : {}),
  }));
}

function operation(route: Route): JsonObject {
  const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const responses: JsonObject = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    const content =
      doc.schema !== undefined
        ? { 'application/json': { schema: schemaOf(doc.schema, 'output') } }
        : doc.contentType !== undefined
          ? { [doc.contentType]: { schema: { type: 'string', format: 'binary' } } }
          : undefined;
    responses[status] = { description: doc.description, ...(content ? { content } : {}) };
  }
  const errors = new Set([...route.errors, ...(route.access === 'token' ? [401] : []), 500]);
  for (const status of [...errors].sort()) {
    responses[String(status)] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  const bodySchema = route.bodyDoc ?? route.body;
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(route.access === 'public' ? { security: [] } : {}),
    parameters: [...pathParameters, ...(route.query !== undefined ? queryParameters(route.query) : [])],
    ...(bodySchema !== undefined
      ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(bodySchema, 'input') } } } }
      : {}),
    responses,
  };
}

export function openApiDocument(routes: readonly Route[], version: string): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Panoptes API',
      version,
      description: 'REST API of the Panoptes video analytics gateway. The live feed is a WebSocket at /ws (README, "WebSocket").',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'One of http.tokens; none configured = open.' } },
      schemas: { Error: schemaOf(errorBodySchema, 'output') },
    },
    paths,
  };
}

/** GET /api/v1/openapi.json; the document covers the routes given plus itself, built once. */
export function openApiRoute(routes: readonly Route[], version: string): Route {
  let document: JsonObject | undefined;
  const self: Route = defineRoute({
    method: 'GET',
    path: '/api/v1/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This document.',
    tag: 'meta',
    access: 'public',
    errors: [],
    responses: { 200: { description: 'The OpenAPI 3.1 document.' } },
    handle: () => {
      document ??= openApiDocument([...routes, self], version);
      return json(200, document);
    },
  });
  return self;
}
