/**
 * /api/v1/cameras: the camera list and each camera's config entry. Bodies are camera entries of the
 * site config; the site validates them with the config schema after merging the site's `defaults`
 * under them (a camera alone may be invalid without its defaults), so the API's 400 lists the same
 * `path: message` problems as `panoptes config check`.
 */
import { cameraSchema } from '../../config/camera-schema.ts';
import { CameraNotFoundError, RequestError } from '../../errors.ts';
import type { SiteControl } from '../site.ts';
import { defineRoute, json, type Route } from './route.ts';
import { cameraBodySchema, cameraDetailSchema, cameraStatusSchema } from './schemas.ts';

const tag = 'cameras';
const statusDoc = { description: 'The camera after the change.', schema: cameraStatusSchema };

export function requireCamera(site: SiteControl, id: string) {
  const camera = site.camera(id);
  if (camera === undefined) throw new CameraNotFoundError(id);
  return camera;
}

/** POST /cameras/{id}/restart|enable|disable: one camera, no body, the status after. */
function cameraAction(action: string, summary: string, run: (site: SiteControl, id: string) => Promise<unknown>): Route {
  return defineRoute({
    method: 'POST',
    path: `/api/v1/cameras/{id}/${action}`,
    operationId: `${action}Camera`,
    summary,
    tag,
    access: 'token',
    responses: { 200: statusDoc },
    errors: [400, 404, 413],
    handle: async ({ site, params }) => json(200, await run(site, params['id'] as string)),
  });
}

export const cameraRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/cameras',
    operationId: 'listCameras',
    summary: 'Every camera with its state.',
    tag,
    access: 'token',
    responses: { 200: { description: 'The cameras.', schema: cameraStatusSchema.array() } },
    errors: [],
    handle: ({ site }) => json(200, site.cameras()),
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/cameras',
    operationId: 'addCamera',
    summary: 'Add a camera and start it (when enabled).',
    tag,
    access: 'token',
    body: cameraBodySchema,
    bodyDoc: cameraSchema,
    responses: { 201: { description: 'The camera was added; Location names it.', schema: cameraStatusSchema } },
    errors: [400, 409, 413],
    handle: async ({ site, body }) => {
      const camera = await site.addCamera(body);
      return json(201, camera, { location: `/api/v1/cameras/${encodeURIComponent(camera.id)}` });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/cameras/{id}',
    operationId: 'getCamera',
    summary: 'One camera: status and config entry.',
    tag,
    access: 'token',
    responses: { 200: { description: 'The camera.', schema: cameraDetailSchema } },
    errors: [404],
    handle: ({ site, params }) => {
      const camera = requireCamera(site, params['id'] as string);
      return json(200, { ...camera, config: site.cameraConfig(camera.id) });
    },
  }),
  defineRoute({
    method: 'PUT',
    path: '/api/v1/cameras/{id}',
    operationId: 'updateCamera',
    summary: "Replace a camera's config entry; only that camera restarts (an analysis-only change keeps ffmpeg running).",
    tag,
    access: 'token',
    body: cameraBodySchema,
    bodyDoc: cameraSchema,
    responses: { 200: statusDoc },
    errors: [400, 404, 409, 413],
    handle: async ({ site, params, body }) => json(200, await site.updateCamera(params['id'] as string, body)),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/cameras/{id}',
    operationId: 'removeCamera',
    summary: 'Stop a camera and remove it.',
    tag,
    access: 'token',
    responses: { 204: { description: 'Removed.' } },
    errors: [400, 404, 413],
    handle: async ({ site, params }) => {
      await site.removeCamera(params['id'] as string);
      return { status: 204 };
    },
  }),
  cameraAction('restart', 'Restart the camera (its ffmpeg and analysis).', (site, id) => site.restartCamera(id)),
  cameraAction('enable', 'Set the camera enabled and start it.', (site, id) => site.setEnabled(id, true)),
  cameraAction('disable', 'Set the camera disabled and stop it.', (site, id) => site.setEnabled(id, false)),
  defineRoute({
    method: 'GET',
    path: '/api/v1/cameras/{id}/latest.jpg',
    operationId: 'getCameraLatestFrame',
    summary: "The camera's newest frame as a JPEG (at most 640 px a side), encoded on request; X-Capture-Ms says when it arrived.",
    tag,
    access: 'token',
    responses: { 200: { description: 'The JPEG.', contentType: 'image/jpeg' } },
    errors: [404],
    handle: async ({ site, params }) => {
      const id = params['id'] as string;
      const latest = await site.latestFrame(id);
      if (latest === null)
        throw new RequestError(
          'E_NOT_FOUND',
          `Camera '${id}' has no frame yet (it is connecting, offline or stopped); GET /api/v1/cameras/${id} says which`,
        );
      return {
        status: 200,
        contentType: 'image/jpeg',
        body: latest.jpeg,
        headers: { 'cache-control': 'no-store', 'x-capture-ms': String(latest.captureMs) },
      };
    },
  }),
];
