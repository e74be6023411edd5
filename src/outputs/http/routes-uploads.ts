/**
 * Failed uploads queued again on demand (storage.upload): after the operator fixed what refused them
 * (a bucket created, a key granted, the server's PUT allowed), without a restart. A restart with a
 * changed target configuration re-queues the ones the target refused by itself (README "Uploads").
 */
import { RequestError } from '../../errors.ts';
import { defineRoute, json, type Route } from './route.ts';
import { eventUploadsRetrySchema, uploadsRetryQuerySchema, uploadsRetrySchema } from './schemas.ts';

const tag = 'uploads';

export const uploadRoutes: Route[] = [
  defineRoute({
    method: 'POST',
    path: '/api/v1/events/{id}/uploads/retry',
    operationId: 'retryEventUploads',
    summary: "Queue the event's failed uploads again, from their first try.",
    tag,
    access: 'token',
    responses: { 200: { description: 'How many were queued again, and the uploads now.', schema: eventUploadsRetrySchema } },
    errors: [400, 404, 413],
    handle: ({ site, params }) => {
      const id = params['id'] as string;
      if (site.event(id) === undefined)
        throw new RequestError('E_NOT_FOUND', 'No event with this id (unknown, or removed by storage.retention)');
      const requeued = site.retryUploads(id);
      return json(200, { requeued, uploads: site.event(id)?.uploads ?? [] });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/uploads/retry',
    operationId: 'retryUploads',
    summary: 'Queue every failed upload again, from its first try (state=failed is required: it says which).',
    tag,
    access: 'token',
    query: uploadsRetryQuerySchema,
    responses: { 200: { description: 'How many were queued again.', schema: uploadsRetrySchema } },
    errors: [400, 404, 413],
    handle: ({ site }) => json(200, { requeued: site.retryUploads(null) }),
  }),
];
