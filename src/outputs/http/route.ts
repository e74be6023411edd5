/**
 * What a REST route is: method, path, who may call it, the zod schemas of its body, query and
 * responses, and a handler. The server validates with the same schemas the OpenAPI document is built
 * from (src/outputs/http/openapi.ts), so the two cannot drift.
 */
import type { z } from 'zod';
import type { HlsSessions } from '../../live/hls-sessions.ts';
import type { SiteControl } from '../site.ts';
import type { Reply } from './response.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** `public`: health, metrics, the read-only status and the OpenAPI document; `token`: everything else. */
export type Access = 'public' | 'token';

export interface MetricsText {
  contentType: string;
  body: string | Buffer;
}

/** What handlers may use: the site's read models and control calls, and the Prometheus text. */
export interface ApiDeps {
  site: SiteControl;
  metrics: () => Promise<MetricsText>;
  /** HLS sessions of the live restreams; absent when live video is not served. */
  hls?: HlsSessions;
}

export interface RouteContext<Body, Query> extends ApiDeps {
  /** Path parameters by name, URL-decoded. */
  params: Record<string, string>;
  body: Body;
  query: Query;
}

export interface ResponseDoc {
  description: string;
  /** JSON body schema; omit for no body. */
  schema?: z.ZodType;
  /** A non-JSON body (image/jpeg, text/plain). */
  contentType?: string;
}

export interface Route<Body = unknown, Query = unknown> {
  method: Method;
  /** OpenAPI-style pattern: `/api/v1/cameras/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  /** The OpenAPI tag (one per routes-*.ts file). */
  tag: string;
  access: Access;
  /** Validates the JSON body; a route without one accepts no body (empty, or `{}`). */
  body?: z.ZodType<Body>;
  /** Documents the body when validation happens further in (the camera config is checked by the site). */
  bodyDoc?: z.ZodType;
  /** Validates the query string, given as an object of strings. */
  query?: z.ZodType<Query>;
  /** Success responses; the error statuses are added from `errors`. */
  responses: Record<number, ResponseDoc>;
  /** Error statuses this route can answer besides 401 (token routes) and 500. */
  errors: number[];
  handle(context: RouteContext<Body, Query>): Promise<Reply> | Reply;
}

/** Keeps the handler's body and query typed while the table holds routes of every shape. */
export function defineRoute<Body, Query>(route: Route<Body, Query>): Route {
  return route as Route;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined ? { status, json: body } : { status, json: body, headers };
}
