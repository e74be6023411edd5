/**
 * Scores what a site reported for real footage against a hand-made truth of where each person walked
 * (test/support/vtest-truth.ts): events per person, how much of each passage an event covers, tracks
 * that cover two people (identity switches), best shots that show one person, and pairs walking
 * together. The truth is a foot point every second or so, so matching is by distance, scaled by the
 * reported person's height, not by box IoU.
 *
 * Time: the site stamps frames with wall-clock capture times, the truth is in clip seconds. The offset
 * (epoch ms of clip t = 0) is fitted near the ONLINE time as the one that lays the reported foot points
 * best over the truth's.
 */
import type { DetectionEvent } from '../../src/analytics/events.ts';
import type { TrackedDetections } from '../../src/analytics/camera-analytics.ts';
import type { Rect } from '../../src/native/types.ts';
import { footAt, type TruthPerson } from './vtest-truth.ts';
import { greedyMatch, type MatchPair } from './greedy-match.ts';

/** A reported foot point matches a true one within this share of the reported box height (plus slack). */
const MATCH_HEIGHTS = 0.6;
/** Pixels (clip) added to the gate: the truth is read by eye once a second, people do not walk straight. */
const MATCH_SLACK_PX = 12;
/**
 * A track covers a person when it was matched to them in at least this many analysed frames (1.5-2 s
 * at the 2-3 frames a second the site analyses a busy scene) ...
 */
const COVER_FRAMES = 4;
/**
 * ... and in at least this share of its frames from its first match on them to its last: the truth
 * leaves people out, so a track of someone else brushing past a listed person (a crossing) matches
 * them now and then, and that track is not theirs.
 */
const OWN_SHARE = 0.5;
/** A track is elsewhere than a person when this many gates away from them. */
const AWAY_GATES = 1.5;
/** A person's passage counts as covered when their events span at least this share of it. */
const WHOLE_SHARE = 0.7;

export interface FootageObservation {
  /** Times (epoch ms) the camera went ONLINE; the first is the clip's start. */
  onlineMs: readonly number[];
  frames: readonly TrackedDetections[];
  /** Final state of every event of the camera. */
  events: readonly DetectionEvent[];
  /** Analysis pixels / clip pixels. */
  scaleX: number;
  scaleY: number;
  /** Clip seconds observed (the events of a replay after the clip ended are not scored). */
  durationS: number;
}

export interface PersonFigures {
  id: string;
  entryS: number;
  exitS: number;
  /** Events whose track is mostly this person. */
  events: number;
  /** Share of the passage (entry to exit) spanned by those events. */
  covered: number;
}

export interface EventFigures {
  id: string;
  trackId: number;
  startS: number;
  endS: number;
  /** The person the track matched most, null when it matched nobody. */
  owner: string | null;
  /** People the track covered (>= COVER_FRAMES frames each, half its frames while they were in view), most matched first. */
  people: string[];
  /** The track covered two listed people (not the two of a pair), or was away from its owner for COVER_FRAMES frames while the owner was in view. */
  switched: boolean;
  /** The best-shot box's foot point lies on the owner at the best shot's time (null: no owner, or the shot is outside their scored passage). */
  shotOnOwner: boolean | null;
  /** Another true person's foot point lies inside the best-shot box. */
  shotHasOther: boolean | null;
}

export interface FootageFigures {
  persons: number;
  events: number;
  /** Events of people / people. */
  eventsPerPerson: number;
  /** People with no event. */
  missed: number;
  /** People with more than one event. */
  split: number;
  /** People whose events span >= WHOLE_SHARE of their passage, share of all. */
  wholePassage: number;
  /** Events whose track covered two people (two listed ones, or its owner and someone elsewhere while the owner was in view). */
  idSwitches: number;
  /** Person events on nobody in the truth: on people it leaves out, or on scenery (not scored). */
  unscoredEvents: number;
  /** Events with a best shot whose box stands on its owner and holds no other true person, share of events with an owner. */
  shotOnePerson: number;
  /** Pairs that came out as one event for both: one of them has no event, and an event of the partner's stood on them too. */
  mergedPairs: number;
  pairs: number;
  offsetMs: number;
  perPerson: PersonFigures[];
  perEvent: EventFigures[];
}

interface Foot {
  x: number;
  y: number;
  /** Reported height in clip pixels. */
  h: number;
}

function footOf(box: Rect, o: FootageObservation): Foot {
  return { x: (box.x + box.width / 2) / o.scaleX, y: (box.y + box.height) / o.scaleY, h: box.height / o.scaleY };
}

const clipS = (ms: number, offsetMs: number): number => (ms - offsetMs) / 1000;

/** Greedy nearest matching of one frame's people to the truth present at clip second `t`: detection index -> person id. */
function matchFrame(feet: readonly Foot[], truth: readonly TruthPerson[], t: number): Map<number, string> {
  const pairs: MatchPair[] = [];
  for (const p of truth) {
    const at = footAt(p, t);
    if (at === null) continue;
    feet.forEach((f, i) => {
      const v = Math.hypot(f.x - at.x, f.y - at.y);
      if (v <= MATCH_HEIGHTS * f.h + MATCH_SLACK_PX) pairs.push({ d: i, id: p.id, v });
    });
  }
  return greedyMatch(pairs, 'lowest');
}

function fitOffset(o: FootageObservation, truth: readonly TruthPerson[], anchorMs: number): number {
  let best = anchorMs,
    bestScore = -1;
  for (let off = anchorMs - 3000; off <= anchorMs + 2000; off += 50) {
    let score = 0;
    for (const f of o.frames) {
      const t = clipS(f.captureMs, off);
      const feet = f.detections.filter((d) => d.label === 'person').map((d) => footOf(d.box, o));
      score += matchFrame(feet, truth, t).size;
    }
    if (score > bestScore) [best, bestScore] = [off, score];
  }
  return best;
}

export function footageFigures(o: FootageObservation, truth: readonly TruthPerson[]): FootageFigures {
  const offsetMs = fitOffset(o, truth, o.onlineMs[0] as number);
  const endMs = offsetMs + o.durationS * 1000;
  // Per frame matching -> each track's people with their matched-frame counts, and where the track was.
  const trackPeople = new Map<number, Map<string, { n: number; first: number; last: number }>>();
  const trackPath = new Map<number, Array<{ t: number; foot: Foot }>>();
  for (const f of o.frames) {
    if (f.captureMs > endMs) continue;
    const people = f.detections.filter((d) => d.label === 'person');
    const t = clipS(f.captureMs, offsetMs);
    const feet = people.map((d) => footOf(d.box, o));
    people.forEach((d, i) => {
      if (d.trackId !== null) trackPath.set(d.trackId, [...(trackPath.get(d.trackId) ?? []), { t, foot: feet[i] as Foot }]);
    });
    for (const [i, id] of matchFrame(feet, truth, t)) {
      const trackId = people[i]?.trackId;
      if (trackId === null || trackId === undefined) continue;
      const counts = trackPeople.get(trackId) ?? new Map<string, { n: number; first: number; last: number }>();
      const c = counts.get(id) ?? { n: 0, first: t, last: t };
      counts.set(id, { n: c.n + 1, first: c.first, last: t });
      trackPeople.set(trackId, counts);
    }
  }
  const byId = new Map(truth.map((p) => [p.id, p]));
  /** The track's frames while the person was in the truth: on them (within the gate) or away (beyond AWAY_GATES). */
  const presence = (trackId: number, id: string): { present: number; near: number; away: number } => {
    const p = byId.get(id) as TruthPerson;
    let present = 0,
      near = 0,
      away = 0;
    for (const { t, foot } of trackPath.get(trackId) ?? []) {
      const at = footAt(p, t);
      if (at === null) continue;
      present++;
      const d = Math.hypot(foot.x - at.x, foot.y - at.y),
        gate = MATCH_HEIGHTS * foot.h + MATCH_SLACK_PX;
      if (d <= gate) near++;
      if (d > AWAY_GATES * gate) away++;
    }
    return { present, near, away };
  };
  // People the track covered (COVER_FRAMES, OWN_SHARE), most matched first.
  const ranked = (trackId: number): Array<[string, number]> => {
    const path = trackPath.get(trackId) ?? [];
    return [...(trackPeople.get(trackId) ?? new Map<string, { n: number; first: number; last: number }>())]
      .filter(([, c]) => c.n >= COVER_FRAMES && c.n >= OWN_SHARE * path.filter((p) => p.t >= c.first && p.t <= c.last).length)
      .map(([id, c]): [string, number] => [id, c.n])
      .sort((a, b) => b[1] - a[1]);
  };

  const events = o.events.filter((e) => e.label === 'person' && e.startMs <= endMs);
  const perEvent: EventFigures[] = events.map((e) => {
    const people = ranked(e.trackId);
    const owner = people[0]?.[0] ?? null;
    let shotOnOwner: boolean | null = null,
      shotHasOther: boolean | null = null;
    if (e.bestShot !== null && owner !== null) {
      const t = clipS(e.bestShot.timeMs, offsetMs);
      const foot = footOf(e.bestShot.box, o);
      const at = footAt(truth.find((p) => p.id === owner) as TruthPerson, t);
      // Outside the owner's scored passage the truth cannot say (the shot is not counted either way).
      if (at !== null) shotOnOwner = Math.hypot(foot.x - at.x, foot.y - at.y) <= MATCH_HEIGHTS * foot.h + MATCH_SLACK_PX;
      // Another person's feet inside the box, above its bottom tenth (a person standing behind is in the picture).
      const b = e.bestShot.box;
      shotHasOther =
        shotOnOwner === null
          ? null
          : truth.some((p) => {
              if (p.id === owner) return false;
              const q = footAt(p, t);
              if (q === null) return false;
              const x = q.x * o.scaleX,
                y = q.y * o.scaleY;
              return x > b.x + b.width * 0.15 && x < b.x + b.width * 0.85 && y > b.y + b.height * 0.3 && y < b.y + b.height * 1.1;
            });
    }
    return {
      id: e.id,
      trackId: e.trackId,
      startS: Math.round(clipS(e.startMs, offsetMs) * 10) / 10,
      endS: Math.round(clipS(e.endMs ?? endMs, offsetMs) * 10) / 10,
      owner,
      people: people.map(([id]) => id),
      // The track was on its owner and, while the owner was in view, elsewhere: it covered someone else too.
      // The two of a pair are not told apart: walking 30 px apart, the truth (+-15-30 px) cannot say
      // which of them a box is.
      switched:
        people.some(([id]) => id !== owner && id !== byId.get(owner ?? '')?.with) ||
        (owner !== null && presence(e.trackId, owner).away >= COVER_FRAMES),
      shotOnOwner,
      shotHasOther,
    };
  });

  const perPerson: PersonFigures[] = truth
    .filter((p) => !p.far)
    .map((p) => {
      const entryS = p.path[0]?.[0] as number,
        exitS = Math.min(p.path.at(-1)?.[0] as number, o.durationS);
      const mine = perEvent.filter((e) => e.owner === p.id);
      let covered = 0;
      for (const e of mine) covered += Math.max(0, Math.min(e.endS, exitS) - Math.max(e.startS, entryS));
      return { id: p.id, entryS, exitS, events: mine.length, covered: exitS > entryS ? Math.min(1, covered / (exitS - entryS)) : 1 };
    });
  const near = new Set(perPerson.map((p) => p.id));
  const ofPeople = perEvent.filter((e) => e.owner !== null && near.has(e.owner));
  const withShot = ofPeople.filter((e) => e.shotOnOwner !== null);
  const pairs = truth.filter((p) => p.with !== undefined && p.id < (p.with as string));
  const mergedPairs = pairs.filter((p) => {
    const a = perPerson.find((x) => x.id === p.id),
      b = perPerson.find((x) => x.id === p.with);
    const lone = a?.events === 0 ? a : b?.events === 0 ? b : null;
    if (lone === null) return false;
    // One box for both is matched to one of them: the other's sign is an event of the partner's whose
    // track stood on them too.
    const partner = lone === a ? p.with : p.id;
    return perEvent.some((e) => e.owner === partner && presence(e.trackId, lone.id).near >= COVER_FRAMES);
  }).length;
  return {
    persons: perPerson.length,
    events: events.length,
    eventsPerPerson: perPerson.length > 0 ? ofPeople.length / perPerson.length : 0,
    missed: perPerson.filter((p) => p.events === 0).length,
    split: perPerson.filter((p) => p.events > 1).length,
    wholePassage: perPerson.length > 0 ? perPerson.filter((p) => p.covered >= WHOLE_SHARE).length / perPerson.length : 0,
    idSwitches: perEvent.filter((e) => e.switched).length,
    unscoredEvents: perEvent.filter((e) => e.owner === null).length,
    shotOnePerson:
      withShot.length > 0 ? withShot.filter((e) => e.shotOnOwner === true && e.shotHasOther === false).length / withShot.length : 0,
    mergedPairs,
    pairs: pairs.length,
    offsetMs,
    perPerson,
    perEvent,
  };
}
