/**
 * /api/v1/streams: a camera's ingest at run time. Start and stop do not change the config (use
 * /cameras/{id}/enable|disable for that), so a restart of the gateway brings the configured state back.
 */
import { CameraNotFoundError } from '../../errors.ts';
import { defineRoute, json, type Route } from './route.ts';
import { requireCamera } from './routes-cameras.ts';
import { cameraMetricsSchema, cameraStatusSchema } from './schemas.ts';

const tag = 'streams';

export const streamStatusSchema = cameraStatusSchema.pick({
  id: true,
  state: true,
  streaming: true,
  stream: true,
  inputFps: true,
  analysedFps: true,
  reconnects: true,
  lastError: true,
});

function streamSwitch(action: 'start' | 'stop'): Route {
  return defineRoute({
    method: 'POST',
    path: `/api/v1/streams/{id}/${action}`,
    operationId: `${action}Stream`,
    summary: action === 'start' ? 'Start ingest now (config unchanged).' : 'Stop ingest now (config unchanged).',
    tag,
    access: 'token',
    responses: { 200: { description: 'The stream after the change.', schema: streamStatusSchema } },
    errors: [400, 404, 413],
    handle: async ({ site, params }) =>
      json(200, streamStatusSchema.parse(await site.setStreaming(params['id'] as string, action === 'start'))),
  });
}

export const streamRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/streams/{id}/status',
    operationId: 'getStreamStatus',
    summary: 'Ingest state of one camera.',
    tag,
    access: 'token',
    responses: { 200: { description: 'The stream.', schema: streamStatusSchema } },
    errors: [404],
    handle: ({ site, params }) => json(200, streamStatusSchema.parse(requireCamera(site, params['id'] as string))),
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/streams/{id}/stats',
    operationId: 'getStreamStats',
    summary: 'Counters, rates, drops and stage latencies of one camera.',
    tag,
    access: 'token',
    responses: { 200: { description: 'The metrics.', schema: cameraMetricsSchema } },
    errors: [404],
    handle: ({ site, params }) => {
      const id = params['id'] as string;
      const metrics = site.cameraMetrics(id);
      if (metrics === undefined) throw new CameraNotFoundError(id);
      return json(200, metrics);
    },
  }),
  streamSwitch('start'),
  streamSwitch('stop'),
];
