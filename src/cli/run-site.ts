/**
 * Runs a site until a signal: the config applied to the gateway (ingest, analysis, inference), the MQTT
 * output (embedded broker by default), the HTTP API and WebSocket feed, and the metrics registry.
 * SIGHUP reloads the config file (only changed cameras restart); SIGTERM/SIGINT stop ingest, let
 * in-flight inference finish, flush the MQTT outbox, close sockets and kill ffmpeg children, within 10 s.
 */
import type { Logger } from 'pino';
import { ensureDirectories } from '../config/directories.ts';
import { loadConfig } from '../config/load.ts';
import type { SiteConfig } from '../config/schema.ts';
import { resolveFfmpeg } from '../ingest/ffmpeg-path.ts';
import { LiveVideo } from '../live/live-video.ts';
import { startHttpServer, type HttpServer } from '../outputs/http/server.ts';
import { MqttOutput } from '../outputs/mqtt/publisher.ts';
import { HeapTrim } from '../site/heap-trim.ts';
import { Site } from '../site/site.ts';
import { createSiteMetrics } from '../site/site-metrics.ts';
import { logNativeReport } from './native-report.ts';

/** A stop that takes longer than this is cut short (issue 5: exit within 10 s). */
const SHUTDOWN_DEADLINE_MS = 9_000;

export interface RunningSite {
  site: Site;
  http: HttpServer;
  mqtt: MqttOutput;
  stop(): Promise<void>;
}

export async function startSite(config: SiteConfig, logger: Logger): Promise<RunningSite> {
  ensureDirectories(config);
  logNativeReport(logger);
  const ffmpeg = resolveFfmpeg(config.gateway.ffmpegPath === 'auto' ? process.env['PANOPTES_FFMPEG'] : config.gateway.ffmpegPath);
  logger.info({ ffmpeg: ffmpeg.path, version: ffmpeg.version, source: ffmpeg.source }, 'ffmpeg found');
  // Cameras last: see SiteOptions.startCameras.
  const site = await Site.start(config, { ffmpeg, logger, startCameras: false });
  const mqtt = new MqttOutput({
    config: config.mqtt,
    site,
    log: logger,
    tokens: config.http.tokens,
    isCritical: (event) => site.isCritical(event),
  });
  const live = new LiveVideo({ ffmpeg, logger, sources: (id) => site.liveSource(id), settings: config.http.live });
  // A removed, disabled or restarted camera's viewers are let go (they reconnect to what it is now).
  site.onCameraRemoved((id) => live.cameraChanged(id));
  site.onTransition((t) => {
    if (t.to === 'DISABLED') live.cameraChanged(t.camera);
  });
  let http: HttpServer | undefined;
  const heapTrim = new HeapTrim();
  try {
    await mqtt.start();
    const registry = createSiteMetrics(site, {
      mqtt: () => mqtt.stats(),
      ws: () => http?.liveFeed.stats() ?? null,
      live: () => live.stats(),
      heapTrim: () => heapTrim.stats,
    });
    http = await startHttpServer({
      site,
      host: config.http.host,
      port: config.http.port,
      tokens: config.http.tokens,
      bodyLimitBytes: config.http.bodyLimitBytes,
      metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
      logger,
      live,
    });
  } catch (err) {
    await live.close();
    await mqtt.stop().catch(() => undefined);
    await site.stop();
    throw err;
  }
  const server = http;
  // The outputs are up (the MQTT outbox takes messages even while the broker is away): the ends of the
  // events a killed run left running are sent now, before the cameras make new ones.
  site.announceRestartEnds();
  try {
    await site.startCameras();
  } catch (err) {
    await live.close();
    await mqtt.stop().catch(() => undefined);
    await server.close();
    await site.stop();
    throw err;
  }
  heapTrim.start();
  logger.info(
    {
      ui: `http://${config.http.host}:${server.port}/`,
      api: `http://${config.http.host}:${server.port}/api/v1`,
      ws: `ws://${config.http.host}:${server.port}/ws`,
      mqtt: mqtt.brokerUrl,
    },
    'panoptes is running',
  );
  return {
    site,
    http: server,
    mqtt,
    async stop() {
      heapTrim.stop();
      // Live viewers, then ingest (no new frames), then inference drains, then the outbox flushes, then sockets close.
      // Viewers hear that the gateway stops, before the cameras' DISABLED transitions would tell them otherwise.
      await live.close();
      await site.stop();
      await mqtt.stop();
      await server.close();
    },
  };
}

/** Runs until SIGINT/SIGTERM (or `durationS`); reloads `configFile` on SIGHUP. */
export async function runUntilSignal(
  running: RunningSite,
  logger: Logger,
  options: { configFile?: string; durationS?: number; beforeStop?: () => void },
): Promise<void> {
  const onHup = (): void => {
    if (!options.configFile) return logger.warn('SIGHUP ignored: this site was not started from a config file');
    loadConfig(options.configFile)
      .then((next) => running.site.reload(next))
      .catch((err: unknown) => logger.error({ err }, 'config reload failed; the running config is kept'));
  };
  process.on('SIGHUP', onHup);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (options.durationS && options.durationS > 0) setTimeout(resolve, options.durationS * 1000).unref();
  });
  process.off('SIGHUP', onHup);
  options.beforeStop?.();
  logger.info('stopping');
  const deadline = setTimeout(() => {
    logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown took too long; exiting now');
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  await running.stop();
  clearTimeout(deadline);
  logger.info('stopped');
}
