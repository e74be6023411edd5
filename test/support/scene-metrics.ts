/**
 * Scores what a running site reported for a rendered scene against the scene's truth: events per
 * object (person or vehicle), their labels, whole-passage coverage, identity switches, best-shot IoU and faces.
 *
 * Time: the site stamps frames with wall-clock capture times, the truth is in clip seconds. Each run of
 * the clip (a segment: the camera went ONLINE, the file started at t = 0) gets its own offset, fitted
 * near the ONLINE time as the one that best lays the reported boxes over the true ones; capture jitter
 * is then a frame or two, which IoU >= 0.3 tolerates at walking speed.
 */
import type { DetectionEvent } from '../../src/analytics/events.ts';
import type { TrackedDetections } from '../../src/analytics/camera-analytics.ts';
import type { Rect } from '../../src/native/types.ts';
import { frameCount, truthAt, type SceneSpec, type TruthObject } from '../../src/scenes/scene.ts';
import { greedyMatch, type MatchPair } from './greedy-match.ts';

/** A detection counts as seeing a true object at this IoU. */
const MATCH_IOU = 0.3;
/** An object's passage starts and ends where at least this share of it is in the frame. */
const PASSAGE_VISIBLE = 0.5;
/**
 * An event covers the passage when it starts at most this late and ends at most this early: a track
 * is confirmed on its second detection (0.4 s at 5 fps), a person half in frame scores below minScore,
 * and a loaded machine drops a frame or two.
 */
const PASSAGE_SLACK_S = 1.5;

export interface Observation {
  spec: SceneSpec;
  /** Analysis width / clip width. */
  scale: number;
  /** Labels that count as the truth's objects (the detector's 'person' and vehicles, the motion backend's 'motion'). */
  labels: readonly string[];
  /** What the detector reports: whole people (default), or faces (a face detector: the truth is each face). */
  target?: 'person' | 'face';
  /** Times (epoch ms) the camera went ONLINE, one per run of the clip, in order. */
  onlineMs: readonly number[];
  /** When each run ended (the next restart, or the end of the observation), epoch ms. */
  untilMs: readonly number[];
  frames: readonly TrackedDetections[];
  /** Final state of every event of the camera (its last message). */
  events: readonly DetectionEvent[];
  /** Frames with motion the camera's track gate kept from the detector (regions.trackedIntervalMs)... */
  trackedSkips: number;
  /** ...and those whose motion lay (partly) in areas the detector found empty. */
  quietSkips: number;
}

export interface ObjectFigures {
  /** `${run}:${actor id}` */
  key: string;
  events: number;
  /** Clip seconds: the passage (>= half the person in frame) and the span of its events. */
  entryS: number;
  exitS: number;
  eventStartS: number | null;
  eventEndS: number | null;
  wholePassage: boolean;
  bestShotIou: number | null;
  faceFound: boolean | null;
  /** The labels of its events (the tracker keeps one label a track, so one label an event). */
  labels: string[];
}

export interface SceneFigures {
  scene: string;
  objects: number;
  events: number;
  /** Events whose track saw no true object. */
  falseEvents: number;
  /** Their labels and best-shot boxes, to see what the detector took for an object. */
  falseEventShots: Array<{ label: string; box: Rect | null }>;
  eventsPerObject: number;
  /** Share of objects with an event spanning their whole passage. */
  wholePassage: number;
  /** Times an object's matched track id changed from one matched frame to the next (MOT IDSW). */
  idSwitches: number;
  /** Tracks matched to more than one object. */
  mergedTracks: number;
  /** Lowest IoU of an event's best-shot box with its object's true box at that time. */
  minBestShotIou: number | null;
  /** Objects with a true face whose event carries a face, of those with a true face. */
  facesFound: number;
  faceObjects: number;
  /** Frames with motion kept from the detector while their motion lay within tracked people. */
  trackedSkips: number;
  /** Frames with motion kept from the detector while their motion lay in areas found empty. */
  quietSkips: number;
  perObject: ObjectFigures[];
}

export function iou(a: Rect, b: Rect): number {
  const x1 = Math.max(a.x, b.x),
    y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width),
    y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

const scaled = (r: Rect, s: number): Rect => ({ x: r.x * s, y: r.y * s, width: r.width * s, height: r.height * s });

/** The truth of frame `n` as the detector should report it: people, or their faces as the boxes. */
function truthOf(o: Observation, n: number): TruthObject[] {
  const truth = truthAt(o.spec, n);
  return o.target === 'face' ? truth.flatMap((t) => (t.face ? [{ ...t, box: t.face }] : [])) : truth;
}

/** Truth of the clip frame shown at `ms` in run `run` with offset `offsetMs`, or [] outside the first pass. */
function truthAtMs(o: Observation, offsetMs: number, ms: number): TruthObject[] {
  const n = Math.round(((ms - offsetMs) / 1000) * o.spec.fps);
  if (n < 0 || n >= frameCount(o.spec)) return [];
  return truthOf(o, n).map((t) => ({ ...t, box: scaled(t.box, o.scale), face: t.face && scaled(t.face, o.scale) }));
}

/** Greedy IoU matching of one frame's detections to the truth: detection index -> truth id. */
function matchFrame(dets: ReadonlyArray<{ box: Rect }>, truth: readonly TruthObject[]): Map<number, string> {
  const pairs: MatchPair[] = [];
  dets.forEach((d, i) =>
    truth.forEach((t) => {
      const v = iou(d.box, t.box);
      if (v >= MATCH_IOU) pairs.push({ d: i, id: t.id, v });
    }),
  );
  return greedyMatch(pairs, 'highest');
}

/** The offset (epoch ms of clip t = 0) near `anchorMs` that best fits the run's frames to the truth. */
function fitOffset(o: Observation, frames: readonly TrackedDetections[], anchorMs: number): number {
  let best = anchorMs,
    bestScore = -1;
  for (let off = anchorMs - 2000; off <= anchorMs + 1000; off += 20) {
    let score = 0;
    for (const f of frames) {
      const truth = truthAtMs(o, off, f.captureMs);
      for (const d of f.detections) score += Math.max(0, ...truth.map((t) => iou(d.box, t.box)));
    }
    if (score > bestScore) [best, bestScore] = [off, score];
  }
  return best;
}

export function sceneFigures(o: Observation): SceneFigures {
  const relevant = (d: { label: string }): boolean => o.labels.includes(d.label);
  const runs = o.onlineMs.map((anchor, run) => {
    const until = o.untilMs[run] as number;
    const from = run === 0 ? anchor - 2000 : (o.untilMs[run - 1] as number);
    const frames = o.frames
      .filter((f) => f.captureMs >= from && f.captureMs < until)
      .map((f) => ({ ...f, detections: f.detections.filter(relevant) }));
    return { run, from, until, frames, offset: fitOffset(o, frames, anchor) };
  });

  // Per frame matching -> each track's objects, each object's sequence of tracks. A restarted camera
  // has a new tracker whose ids start again, so a track is named by its run too.
  const trackObjects = new Map<string, Map<string, number>>();
  const objectTracks = new Map<string, string[]>();
  for (const r of runs) {
    for (const f of r.frames) {
      const matches = matchFrame(f.detections, truthAtMs(o, r.offset, f.captureMs));
      for (const [i, id] of matches) {
        const id0 = f.detections[i]?.trackId;
        if (id0 === null || id0 === undefined) continue;
        const trackId = `${r.run}:${id0}`;
        const key = `${r.run}:${id}`;
        const counts = trackObjects.get(trackId) ?? new Map<string, number>();
        counts.set(key, (counts.get(key) ?? 0) + 1);
        trackObjects.set(trackId, counts);
        objectTracks.set(key, [...(objectTracks.get(key) ?? []), trackId]);
      }
    }
  }
  const ownerOf = (trackId: string): string | null => {
    const counts = [...(trackObjects.get(trackId) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]);
    return counts[0]?.[0] ?? null;
  };

  // Objects: every actor of every run whose passage (>= PASSAGE_VISIBLE in frame) happened in the run.
  const objects: Array<{ key: string; run: number; id: string; entryMs: number; exitMs: number; hasFace: boolean }> = [];
  for (const r of runs) {
    for (const actor of o.spec.actors) {
      const shown: number[] = [];
      let hasFace = false;
      for (let n = 0; n < frameCount(o.spec); n++) {
        const ms = r.offset + (n / o.spec.fps) * 1000;
        if (ms >= r.until) break;
        const t = truthOf(o, n).find((x) => x.id === actor.id);
        if (t && t.visible >= PASSAGE_VISIBLE) {
          shown.push(ms);
          hasFace ||= t.face !== null;
        }
      }
      if (shown.length > 0)
        objects.push({
          key: `${r.run}:${actor.id}`,
          run: r.run,
          id: actor.id,
          entryMs: shown[0] as number,
          exitMs: shown.at(-1) as number,
          hasFace,
        });
    }
  }

  const eventsOf = new Map<string, DetectionEvent[]>();
  let falseEvents = 0;
  const falseEventShots: SceneFigures['falseEventShots'] = [];
  for (const e of o.events) {
    const run = runs.findLast((r) => e.startMs >= r.from)?.run ?? 0;
    const owner = ownerOf(`${run}:${e.trackId}`);
    if (owner === null) {
      falseEvents++;
      falseEventShots.push({ label: e.label, box: e.bestShot?.box ?? null });
    } else eventsOf.set(owner, [...(eventsOf.get(owner) ?? []), e]);
  }

  const perObject: ObjectFigures[] = objects.map((obj) => {
    const events = eventsOf.get(obj.key) ?? [];
    const run = runs[obj.run] as (typeof runs)[number];
    const wholePassage = events.some(
      (e) => e.startMs <= obj.entryMs + PASSAGE_SLACK_S * 1000 && (e.endMs ?? Infinity) >= obj.exitMs - PASSAGE_SLACK_S * 1000,
    );
    const ious = events.flatMap((e) => {
      if (!e.bestShot) return [];
      const truth = truthAtMs(o, run.offset, e.bestShot.timeMs).find((t) => t.id === obj.id);
      return [truth ? iou(e.bestShot.box, truth.box) : 0];
    });
    const clipS = (ms: number): number => Math.round((ms - run.offset) / 100) / 10;
    const starts = events.map((e) => e.startMs),
      ends = events.map((e) => e.endMs ?? Infinity);
    return {
      key: obj.key,
      events: events.length,
      entryS: clipS(obj.entryMs),
      exitS: clipS(obj.exitMs),
      eventStartS: starts.length > 0 ? clipS(Math.min(...starts)) : null,
      eventEndS: ends.length > 0 ? clipS(Math.max(...ends)) : null,
      wholePassage,
      bestShotIou: ious.length > 0 ? Math.min(...ious) : null,
      // A face detector's objects are the faces themselves: there is no face on them to find.
      faceFound: obj.hasFace && o.target !== 'face' ? events.some((e) => e.face !== null) : null,
      labels: [...new Set(events.map((e) => e.label))],
    };
  });

  let idSwitches = 0;
  for (const ids of objectTracks.values()) for (let i = 1; i < ids.length; i++) if (ids[i] !== ids[i - 1]) idSwitches++;
  const mergedTracks = [...trackObjects.values()].filter((m) => [...m.values()].filter((c) => c >= 2).length > 1).length;
  const matchedEvents = perObject.reduce((n, p) => n + p.events, 0);
  const shotIous = perObject.flatMap((p) => (p.bestShotIou === null ? [] : [p.bestShotIou]));
  const faceObjects = perObject.filter((p) => p.faceFound !== null);
  return {
    scene: o.spec.name,
    objects: objects.length,
    events: o.events.length,
    falseEvents,
    falseEventShots,
    eventsPerObject: objects.length > 0 ? matchedEvents / objects.length : 0,
    wholePassage: objects.length > 0 ? perObject.filter((p) => p.wholePassage).length / objects.length : 0,
    idSwitches,
    mergedTracks,
    minBestShotIou: shotIous.length > 0 ? Math.min(...shotIous) : null,
    facesFound: faceObjects.filter((p) => p.faceFound).length,
    faceObjects: faceObjects.length,
    trackedSkips: o.trackedSkips,
    quietSkips: o.quietSkips,
    perObject,
  };
}
