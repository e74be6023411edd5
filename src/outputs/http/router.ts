/**
 * Matches a method and path against the route table. Panoptes routes itself rather than registering
 * each route with uWS, so an unknown path is a JSON 404 and a known path with the wrong method is a
 * 405 with an `Allow` header, both in the same error shape as every other failure.
 */
import { MethodNotAllowedError, RequestError } from '../../errors.ts';
import type { Method, Route } from './route.ts';

interface CompiledRoute {
  route: Route;
  /** Literal segments as strings, parameters as `{ name }`. */
  segments: Array<string | { name: string }>;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

function compile(route: Route): CompiledRoute {
  const segments = route.path
    .split('/')
    .slice(1)
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment)?.[1];
      return param === undefined ? segment : { name: param };
    });
  return { route, segments };
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Parameters when `path` fits the pattern, else undefined. */
function fit(compiled: CompiledRoute, parts: readonly string[]): Record<string, string> | undefined {
  if (parts.length !== compiled.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const pattern = compiled.segments[i] as string | { name: string };
    const part = parts[i] as string;
    if (typeof pattern === 'string') {
      if (pattern !== part) return undefined;
      continue;
    }
    const value = decode(part);
    if (value === undefined || value === '') return undefined;
    params[pattern.name] = value;
  }
  return params;
}

export class Router {
  readonly #routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.#routes = routes.map(compile);
  }

  /** The route for this request; throws E_NOT_FOUND or E_METHOD_NOT_ALLOWED (with the allowed methods). */
  match(method: string, path: string): RouteMatch {
    const parts = path.split('/').slice(1);
    const allowed = new Set<Method>();
    for (const compiled of this.#routes) {
      const params = fit(compiled, parts);
      if (params === undefined) continue;
      if (compiled.route.method === method) return { route: compiled.route, params };
      allowed.add(compiled.route.method);
    }
    if (allowed.size === 0) throw new RequestError('E_NOT_FOUND', 'No such API route; GET /api/v1/openapi.json lists them');
    throw new MethodNotAllowedError([...allowed]);
  }
}
