/**
 * /api/v1/events: pages of the stored events (the events database), and each event's best-shot JPEG
 * and full-frame JPEG from disk.
 */
import { RequestError } from '../../errors.ts';
import type { EventQuery } from '../site.ts';
import { defineRoute, json, type Route } from './route.ts';
import { eventDetailSchema, eventPageSchema, eventQuerySchema } from './schemas.ts';

const tag = 'events';

export const eventRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/events',
    operationId: 'listEvents',
    summary: 'A page of stored events, newest first unless order=asc; filters combine with AND.',
    tag,
    access: 'token',
    query: eventQuerySchema,
    responses: { 200: { description: 'The page.', schema: eventPageSchema } },
    errors: [400],
    handle: ({ site, query }) => {
      const filter: EventQuery = { limit: query.limit ?? 100 };
      if (query.camera !== undefined) filter.camera = query.camera;
      if (query.label !== undefined) filter.label = query.label;
      if (query.zone !== undefined) filter.zone = query.zone;
      if (query.after !== undefined) filter.afterMs = query.after;
      if (query.before !== undefined) filter.beforeMs = query.before;
      if (query.hasClip !== undefined) filter.hasClip = query.hasClip === 'true';
      if (query.order !== undefined) filter.order = query.order;
      if (query.cursor !== undefined) filter.cursor = query.cursor;
      return json(200, site.events(filter));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/events/{id}',
    operationId: 'getEvent',
    summary: 'One stored event, with the state of its uploads.',
    tag,
    access: 'token',
    responses: { 200: { description: 'The event.', schema: eventDetailSchema } },
    errors: [404],
    handle: ({ site, params }) => {
      const event = site.event(params['id'] as string);
      if (event === undefined) throw new RequestError('E_NOT_FOUND', 'No event with this id (unknown, or removed by storage.retention)');
      return json(200, event);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/events/{id}/snapshot.jpg',
    operationId: 'getEventSnapshot',
    summary: "The event's best-shot JPEG, from disk.",
    tag,
    access: 'token',
    responses: { 200: { description: 'The JPEG.', contentType: 'image/jpeg' } },
    errors: [404],
    handle: async ({ site, params }) => {
      const jpeg = await site.snapshot(params['id'] as string);
      if (jpeg === null)
        throw new RequestError('E_NOT_FOUND', 'No snapshot for this event (it has none, or it was removed by storage.retention)');
      return { status: 200, contentType: 'image/jpeg', body: jpeg, headers: { 'cache-control': 'private, max-age=3600' } };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/events/{id}/frame.jpg',
    operationId: 'getEventFrame',
    summary: "The whole frame at the event's best-shot moment (bestShot.box places the object in it), JPEG, from disk.",
    tag,
    access: 'token',
    responses: { 200: { description: 'The JPEG.', contentType: 'image/jpeg' } },
    errors: [404],
    handle: async ({ site, params }) => {
      const jpeg = await site.frame(params['id'] as string);
      if (jpeg === null)
        throw new RequestError(
          'E_NOT_FOUND',
          'No full-frame picture for this event (it has none: inference.bestShot.frameWidth is 0 or the event is older; or it was removed by storage.retention)',
        );
      return { status: 200, contentType: 'image/jpeg', body: jpeg, headers: { 'cache-control': 'private, max-age=3600' } };
    },
  }),
];
