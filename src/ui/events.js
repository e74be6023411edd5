// Events review (events.html): pages of GET /api/v1/events filtered by camera, label, zone and start
// time, each row with its best shot; opening one shows the best shot large, the full frame when kept,
// and plays its clip when one is recorded. Pictures and clips are fetched with the token in a header
// and shown through object URLs; the filters (never the token) are kept in the page's URL.
import { blobUrl, getJson, Unauthorized } from './api.js';

const PAGE = 50;
const form = document.getElementById('filters');
const list = document.getElementById('events');
const more = document.getElementById('more');
const error = document.getElementById('error');
const detail = document.getElementById('detail');
/** Object URLs of the list and of the open event, revoked when replaced. */
let listUrls = [];
let detailUrls = [];
let cursor = null;
let shown = 0;
let generation = 0;

function fail(err) {
  if (err instanceof Unauthorized) location.href = '/';
  error.textContent = err.message;
  error.hidden = false;
}

/** datetime-local <-> epoch ms, in the browser's time zone. */
function toMs(value) {
  return value ? String(new Date(value).getTime()) : '';
}
function fromMs(ms) {
  if (!ms) return '';
  const d = new Date(Number(ms));
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
}

function query() {
  const data = new FormData(form);
  const params = new URLSearchParams();
  for (const name of ['camera', 'label', 'zone']) if (data.get(name)) params.set(name, data.get(name));
  for (const name of ['after', 'before']) if (data.get(name)) params.set(name, toMs(data.get(name)));
  return params;
}

function describe(event) {
  const start = new Date(event.startMs);
  const length = event.endMs === null ? 'ongoing' : `${((event.endMs - event.startMs) / 1000).toFixed(1)} s`;
  const zones = event.zones.length > 0 ? ` · zones ${event.zones.join(', ')}` : '';
  const clip = event.clip ? ` · clip (${event.clip.state})` : '';
  return `${start.toLocaleString()} · ${length} · ${Math.round(event.score * 100)}%${zones}${clip}`;
}

function row(event) {
  const item = document.createElement('li');
  item.dataset.id = event.id;
  item.dataset.camera = event.camera;
  item.tabIndex = 0;
  const img = document.createElement('img');
  img.alt = '';
  const text = document.createElement('div');
  const title = document.createElement('strong');
  title.textContent = `${event.camera} · ${event.label} #${event.trackId}`;
  const facts = document.createElement('div');
  facts.className = 'state';
  facts.textContent = describe(event);
  text.append(title, facts);
  item.append(img, text);
  if (event.bestShot) {
    const mine = generation;
    blobUrl(`/api/v1/events/${encodeURIComponent(event.id)}/snapshot.jpg`)
      .then((url) => {
        if (url === null) return;
        if (mine !== generation) return URL.revokeObjectURL(url);
        listUrls.push(url);
        img.src = url;
      })
      .catch(fail);
  }
  const open = () => openEvent(event);
  item.addEventListener('click', open);
  item.addEventListener('keydown', (e) => e.key === 'Enter' && open());
  return item;
}

async function openEvent(event) {
  for (const url of detailUrls) URL.revokeObjectURL(url);
  detailUrls = [];
  for (const li of list.children) li.classList.toggle('open', li.dataset.id === event.id);
  detail.hidden = false;
  detail.dataset.id = event.id;
  document.getElementById('detail-title').textContent = `${event.camera} · ${event.label} #${event.trackId}`;
  document.getElementById('detail-facts').textContent = describe(event);
  const snapshot = document.getElementById('detail-snapshot');
  const frame = document.getElementById('detail-frame');
  const clip = document.getElementById('detail-clip');
  for (const el of [snapshot, frame, clip]) el.removeAttribute('src');
  frame.hidden = true;
  clip.hidden = true;
  const id = encodeURIComponent(event.id);
  const show = async (el, path) => {
    const url = await blobUrl(path);
    if (url === null || detail.dataset.id !== event.id) return url && URL.revokeObjectURL(url);
    detailUrls.push(url);
    el.src = url;
    el.hidden = false;
  };
  try {
    await Promise.all([
      event.bestShot ? show(snapshot, `/api/v1/events/${id}/snapshot.jpg`) : null,
      event.bestShot?.frameJpeg ? show(frame, `/api/v1/events/${id}/frame.jpg`) : null,
      // The clip, when recorded: the MP4 whole into a blob (a <video> src cannot carry the token).
      event.clip ? show(clip, event.clip.url).then(() => clip.play().catch(() => {})) : null,
    ]);
  } catch (err) {
    fail(err);
  }
}

async function load(reset) {
  const params = query();
  if (reset) {
    generation += 1;
    for (const url of listUrls) URL.revokeObjectURL(url);
    listUrls = [];
    list.replaceChildren();
    shown = 0;
    cursor = null;
    history.replaceState(null, '', `?${params}`);
  }
  params.set('limit', String(PAGE));
  if (cursor) params.set('cursor', cursor);
  try {
    const page = await getJson(`/api/v1/events?${params}`);
    error.hidden = true;
    list.append(...page.events.map(row));
    shown += page.events.length;
    cursor = page.nextCursor;
    more.hidden = cursor === null;
    document.getElementById('count').textContent = `${shown} events${cursor ? ' (more)' : ''}`;
  } catch (err) {
    fail(err);
  }
}

async function init() {
  const params = new URLSearchParams(location.search);
  for (const name of ['label', 'zone']) form.elements[name].value = params.get(name) ?? '';
  for (const name of ['after', 'before']) form.elements[name].value = fromMs(params.get(name));
  try {
    const cameras = await getJson('/api/v1/cameras');
    const select = form.elements.camera;
    for (const camera of cameras) select.append(new Option(`${camera.name} (${camera.id})`, camera.id));
    select.value = params.get('camera') ?? '';
  } catch (err) {
    return fail(err);
  }
  await load(true);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  load(true);
});
more.addEventListener('click', () => load(false));
init();
