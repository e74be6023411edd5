/** /api/v1/events: the recent event history (bounded, in memory) and each event's best-shot JPEG. */
import { RequestError } from '../../errors.ts';
import type { EventQuery } from '../site.ts';
import { defineRoute, json, type Route } from './route.ts';
import { detectionEventSchema, eventQuerySchema } from './schemas.ts';

const tag = 'events';

export const eventRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/events',
    operationId: 'listEvents',
    summary: 'Recent events, newest first.',
    tag,
    access: 'token',
    query: eventQuerySchema,
    responses: { 200: { description: 'The events.', schema: detectionEventSchema.array() } },
    errors: [400],
    handle: ({ site, query }) => {
      const filter: EventQuery = { limit: query.limit ?? 100 };
      if (query.camera !== undefined) filter.camera = query.camera;
      if (query.label !== undefined) filter.label = query.label;
      if (query.since !== undefined) filter.sinceMs = query.since;
      return json(200, site.events(filter));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/events/{id}/snapshot.jpg',
    operationId: 'getEventSnapshot',
    summary: "The event's best-shot JPEG.",
    tag,
    access: 'token',
    responses: { 200: { description: 'The JPEG.', contentType: 'image/jpeg' } },
    errors: [404],
    handle: async ({ site, params }) => {
      const jpeg = await site.snapshot(params['id'] as string);
      if (jpeg === null) throw new RequestError('E_NOT_FOUND', 'No snapshot for this event (it has none, or it was evicted)');
      return { status: 200, contentType: 'image/jpeg', body: jpeg, headers: { 'cache-control': 'private, max-age=3600' } };
    },
  }),
];
