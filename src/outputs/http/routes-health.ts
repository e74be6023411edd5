/**
 * The public, read-only routes: health for probes, Prometheus metrics and the site status. None of
 * them shows a URL, a config entry or a secret, which is why they need no token. A critical site
 * answers 503 on both health routes so a load balancer or orchestrator can act on the status alone.
 */
import { CAMERA_STATES, type CameraState } from '../../coordinator/camera-state.ts';
import type { HealthLevel } from '../site.ts';
import { defineRoute, json, type Route } from './route.ts';
import { healthReportSchema, healthSummarySchema, siteStatusSchema } from './schemas.ts';

const tag = 'health';

function healthStatus(level: HealthLevel): number {
  return level === 'critical' ? 503 : 200;
}

export const healthRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/health',
    operationId: 'getHealth',
    summary: 'Health level for probes (503 when critical).',
    tag,
    access: 'public',
    errors: [],
    responses: {
      200: { description: 'Healthy or degraded.', schema: healthSummarySchema },
      503: { description: 'Critical.', schema: healthSummarySchema },
    },
    handle: ({ site }) => {
      const { status, reasons } = site.health();
      return json(healthStatus(status), { status, reasons });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/health/detailed',
    operationId: 'getHealthDetailed',
    summary: 'Health with streams, inference, system and per-camera levels (503 when critical).',
    tag,
    access: 'public',
    errors: [],
    responses: {
      200: { description: 'Healthy or degraded.', schema: healthReportSchema },
      503: { description: 'Critical.', schema: healthReportSchema },
    },
    handle: ({ site }) => {
      const report = site.health();
      return json(healthStatus(report.status), report);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (text exposition format).',
    tag,
    access: 'public',
    errors: [],
    responses: { 200: { description: 'The metrics.', contentType: 'text/plain; version=0.0.4' } },
    handle: async ({ metrics }) => {
      const { contentType, body } = await metrics();
      return { status: 200, contentType, body };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/status',
    operationId: 'getStatus',
    summary: 'Site summary: health level and camera counts.',
    tag,
    access: 'public',
    errors: [],
    responses: { 200: { description: 'The summary.', schema: siteStatusSchema } },
    handle: ({ site }) => {
      const cameras = site.cameras();
      const byState = Object.fromEntries(CAMERA_STATES.map((state) => [state, 0])) as Record<CameraState, number>;
      for (const camera of cameras) byState[camera.state] += 1;
      const health = site.health();
      return json(200, {
        status: health.status,
        uptimeMs: health.uptimeMs,
        cameras: {
          total: cameras.length,
          enabled: cameras.filter((c) => c.enabled).length,
          streaming: cameras.filter((c) => c.streaming).length,
          byState,
        },
      });
    },
  }),
];
