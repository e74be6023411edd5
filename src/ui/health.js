// Site health (health.html), refreshed every 5 s: the level and its reasons and the per-camera levels
// (GET /api/v1/health/detailed, answered with 503 while critical), cameras by state (/status), each
// camera's name and fps (/cameras, with the token), and inference load and the outputs (MQTT, uploads,
// recordings disk, live viewers) from the Prometheus text of /metrics.
import { getJson, getText, Unauthorized } from './api.js';

/** `name{labels} value` lines of the Prometheus text: [name, labels text, value]. */
function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m) out.push([m[1], m[2] ?? '', Number(m[3])]);
  }
  return out;
}
function sum(metrics, name) {
  const values = metrics.filter(([n]) => n === name).map(([, , v]) => v);
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0);
}
function bytes(n) {
  if (n === null || n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
function facts(dl, entries) {
  dl.replaceChildren(
    ...entries.flatMap(([term, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value ?? '-';
      return [dt, dd];
    }),
  );
}
function cell(text, state) {
  const td = document.createElement('td');
  td.textContent = text;
  if (state) td.dataset.state = state;
  return td;
}

async function refresh() {
  try {
    const [report, status, metricsText] = await Promise.all([
      getJson('/api/v1/health/detailed', [503]),
      getJson('/api/v1/status'),
      getText('/api/v1/metrics'),
    ]);
    const cameras = await getJson('/api/v1/cameras').catch((err) => {
      if (err instanceof Unauthorized) return null;
      throw err;
    });
    const metrics = parseMetrics(metricsText);
    error.hidden = true;
    const level = document.getElementById('level');
    level.textContent = report.status;
    level.dataset.state = report.status;
    document.getElementById('reasons').replaceChildren(
      ...report.reasons.map((reason) => {
        const li = document.createElement('li');
        li.textContent = reason;
        return li;
      }),
    );
    const s = report.system;
    document.getElementById('site').textContent =
      `up ${(report.uptimeMs / 60000).toFixed(1)} min · streams ${report.streams.online}/${report.streams.enabled} online (${report.streams.total} cameras) · load ${s.loadAverage1m.toFixed(2)} on ${s.cores} cores · rss ${bytes(s.rssBytes)} · disk free ${bytes(s.diskFreeBytes)}`;
    document.getElementById('by-state').textContent = Object.entries(status.cameras.byState)
      .filter(([, n]) => n > 0)
      .map(([state, n]) => `${state} ${n}`)
      .join(' · ');
    const byId = new Map((cameras ?? []).map((c) => [c.id, c]));
    const recording = new Map((report.recording?.cameras ?? []).map((r) => [r.id, r]));
    document.querySelector('#cameras tbody').replaceChildren(
      ...report.cameras.map((c) => {
        const tr = document.createElement('tr');
        tr.dataset.camera = c.id;
        const camera = byId.get(c.id);
        const name = document.createElement('td');
        const link = document.createElement('a');
        link.href = `/ui/camera.html?camera=${encodeURIComponent(c.id)}`;
        link.textContent = camera ? `${camera.name} (${c.id})` : c.id;
        name.append(link);
        const rec = recording.get(c.id);
        tr.append(
          name,
          cell(c.state, c.state),
          cell(c.health, c.health),
          cell(camera ? camera.inputFps.toFixed(1) : '-'),
          cell(camera ? camera.analysedFps.toFixed(1) : '-'),
          cell(rec ? `${rec.mode} · ${rec.state} · ${rec.segments} segments` : 'off'),
          cell(camera?.lastError ? `${camera.lastError.kind}: ${camera.lastError.message}` : ''),
        );
        return tr;
      }),
    );
    const utilisation = sum(metrics, 'panoptes_inference_utilization_ratio');
    facts(document.getElementById('inference'), [
      ['backend', report.inference.backend],
      ['utilisation', utilisation === null ? null : `${(utilisation * 100).toFixed(1)} % of the workers' time`],
      ['at capacity', report.inference.atCapacity ? 'yes' : 'no'],
      ['degraded', report.inference.degraded ? `yes: ${report.inference.reason ?? ''}` : 'no'],
      ['queued candidates', String(sum(metrics, 'panoptes_inference_queue_depth') ?? 0)],
      ['tasks', String(sum(metrics, 'panoptes_inference_tasks_total') ?? 0)],
      ['failed tasks', String(sum(metrics, 'panoptes_inference_task_failures_total') ?? 0)],
    ]);
    const mqtt = sum(metrics, 'panoptes_mqtt_connected');
    const disk = report.recording?.disk;
    facts(document.getElementById('outputs'), [
      ['MQTT', mqtt === null ? 'off' : mqtt > 0 ? 'connected' : 'disconnected'],
      ['MQTT published', String(sum(metrics, 'panoptes_mqtt_messages_published_total') ?? 0)],
      ['MQTT outbox', String(sum(metrics, 'panoptes_mqtt_outbox_depth') ?? 0)],
      ['uploads queued', String(sum(metrics, 'panoptes_upload_queue_depth') ?? 'off')],
      [
        'recordings disk',
        disk ? `${bytes(disk.freeBytes)} free of ${bytes(disk.totalBytes)} (limit ${bytes(disk.limitBytes)})` : 'not recording',
      ],
      ['WebSocket clients', String(sum(metrics, 'panoptes_ws_clients') ?? 0)],
      ['live viewers', String(sum(metrics, 'panoptes_live_viewers') ?? 0)],
    ]);
    document.getElementById('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  }
}

const error = document.getElementById('error');
refresh();
setInterval(refresh, 5000);
