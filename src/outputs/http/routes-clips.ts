/**
 * Clips from the recordings: an event's clip (its time with the camera's pre- and post-roll) and a
 * camera's clip over any time range, as seekable MP4 files sent with Range support.
 */
import { z } from 'zod';
import { defineRoute, type Route } from './route.ts';

const tag = 'recordings';

/** Longest clip one request may ask for (a longer one is a download job, not a request). */
export const MAX_CLIP_SECONDS = 3600;

const timeParam = z
  .string()
  .transform((value, ctx) => {
    const ms = /^\d{1,15}$/.test(value) ? Number(value) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isFinite(ms)) return ms;
    ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time (2024-05-01T12:00:00Z) or epoch milliseconds' });
    return z.NEVER;
  })
  .describe('ISO 8601 (2024-05-01T12:00:00.000Z) or epoch milliseconds.');

export const clipQuerySchema = z
  .strictObject({ start: timeParam, end: timeParam })
  .refine((q) => q.end > q.start, { path: ['end'], message: 'expected a time after start' })
  .refine((q) => q.end - q.start <= MAX_CLIP_SECONDS * 1000, {
    path: ['end'],
    message: `expected at most ${MAX_CLIP_SECONDS} s after start; ask for a long range in several clips`,
  });

const clipResponse = { description: 'The clip (206 for a Range request).', contentType: 'video/mp4' };

export const clipRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/cameras/{id}/clip.mp4',
    operationId: 'getCameraClip',
    summary: "The camera's recording from start to end, copied from its segments (starts on the key frame at or before start).",
    tag,
    access: 'token',
    query: clipQuerySchema,
    responses: { 200: clipResponse, 206: clipResponse },
    errors: [400, 404, 416, 503],
    handle: async ({ site, params, query }) => {
      const clip = await site.clip(params['id'] as string, query.start, query.end);
      return { status: 200, contentType: 'video/mp4', file: clip.path, headers: { 'cache-control': 'private, max-age=60' } };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/events/{id}/clip.mp4',
    operationId: 'getEventClip',
    summary: "The event's clip: from its start minus the camera's pre-roll to its end plus the post-roll.",
    tag,
    access: 'token',
    responses: { 200: clipResponse, 206: clipResponse },
    errors: [404, 416, 503],
    handle: async ({ site, params }) => {
      const clip = await site.eventClip(params['id'] as string);
      return { status: 200, contentType: 'video/mp4', file: clip.path, headers: { 'cache-control': 'private, max-age=60' } };
    },
  }),
];
