/** /api/v1/cameras/{id}/tracks: a camera's confirmed tracks, running and ended (the events database), in keyset pages like events. */
import type { TrackQuery } from '../site.ts';
import { defineRoute, json, type Route } from './route.ts';
import { trackPageSchema, trackQuerySchema } from './schemas.ts';

export const trackRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/cameras/{id}/tracks',
    operationId: 'listTracks',
    summary: "A page of the camera's tracks, running and ended, by first-seen time, newest first unless order=asc.",
    tag: 'tracks',
    access: 'token',
    query: trackQuerySchema,
    responses: { 200: { description: 'The page.', schema: trackPageSchema } },
    errors: [400],
    handle: ({ site, params, query }) => {
      const q: TrackQuery = { camera: params['id'] as string, limit: query.limit ?? 100 };
      if (query.after !== undefined) q.afterMs = query.after;
      if (query.before !== undefined) q.beforeMs = query.before;
      if (query.order !== undefined) q.order = query.order;
      if (query.cursor !== undefined) q.cursor = query.cursor;
      return json(200, site.tracks(q));
    },
  }),
];
