/**
 * The endpoints of the single-camera worker API that site integrations already call, mapped onto the
 * camera model: `camera_id` is the camera id, and `worker_id` is accepted as the same id (Panoptes has
 * no per-camera worker; cameras share channel workers). Starting an unknown camera adds it with the
 * config defaults and the next free channel; starting a known one enables it and starts its stream
 * (its URL is not changed: PUT /api/v1/cameras/{id} does that). Both answer 200, as the old API did.
 */
import { z } from 'zod';
import { cameraIdSchema, streamUrlSchema } from '../../config/camera-schema.ts';
import { maskUrl } from '../../ingest/mask-url.ts';
import type { CameraStatus } from '../site.ts';
import { defineRoute, json, type Route } from './route.ts';
import { requireCamera } from './routes-cameras.ts';
import { cameraStateSchema } from './schemas.ts';

const tag = 'compat';

/** Old clients send numeric ids too; they become the same id as a string. */
const legacyIdSchema = z.union([cameraIdSchema, z.number().int().min(0).transform(String)]);

const startBodySchema = z.strictObject({ rtsp_link: streamUrlSchema, camera_id: legacyIdSchema });
const stopBodySchema = z
  .strictObject({ camera_id: legacyIdSchema.optional(), worker_id: legacyIdSchema.optional() })
  .refine((body) => body.camera_id !== undefined || body.worker_id !== undefined, { message: 'expected camera_id or worker_id' });

const legacyCameraSchema = z.object({
  camera_id: z.string(),
  worker_id: z.string().describe('The camera id again (kept for old clients).'),
  rtsp_link: z.string().describe('Masked: credentials show as ***.'),
  status: cameraStateSchema,
  running: z.boolean(),
  fps: z.number(),
});
const startReplySchema = legacyCameraSchema.extend({ created: z.boolean().describe('True when the camera was added by this call.') });

function legacy(camera: CameraStatus) {
  return {
    camera_id: camera.id,
    worker_id: camera.id,
    rtsp_link: maskUrl(camera.url),
    status: camera.state,
    running: camera.streaming,
    fps: camera.inputFps,
  };
}

export const compatRoutes: Route[] = [
  defineRoute({
    method: 'POST',
    path: '/camera/start',
    operationId: 'compatStartCamera',
    summary: 'Add (with defaults) or start a camera.',
    tag,
    access: 'token',
    body: startBodySchema,
    responses: { 200: { description: 'The camera.', schema: startReplySchema } },
    errors: [400, 409, 413],
    handle: async ({ site, body }) => {
      const known = site.camera(body.camera_id);
      if (known !== undefined) {
        const enabled = known.enabled ? known : await site.setEnabled(known.id, true);
        const started = enabled.streaming ? enabled : await site.setStreaming(known.id, true);
        return json(200, { ...legacy(started), created: false });
      }
      const channel = Math.max(0, ...site.cameras().map((camera) => camera.channel)) + 1;
      const added = await site.addCamera({ id: body.camera_id, channel, streams: { primary: body.rtsp_link } });
      return json(200, { ...legacy(added), created: true });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/camera/stop',
    operationId: 'compatStopCamera',
    summary: "Stop a camera's stream (config unchanged).",
    tag,
    access: 'token',
    body: stopBodySchema,
    responses: { 200: { description: 'The camera.', schema: legacyCameraSchema } },
    errors: [400, 404, 413],
    handle: async ({ site, body }) => {
      const id = requireCamera(site, (body.camera_id ?? body.worker_id) as string).id;
      return json(200, legacy(await site.setStreaming(id, false)));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/camera/status',
    operationId: 'compatCameraStatus',
    summary: 'Every camera in the old format.',
    tag,
    access: 'token',
    errors: [],
    responses: { 200: { description: 'The cameras.', schema: z.object({ cameras: z.array(legacyCameraSchema) }) } },
    handle: ({ site }) => json(200, { cameras: site.cameras().map(legacy) }),
  }),
];
