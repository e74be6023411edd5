/**
 * What the decision layer did not publish, by reason, and what it did: one set a camera, summed for the
 * gateway. The metrics output reads these; nothing is dropped without being counted here.
 */
import type { EventMessageType } from '../events.ts';
import { FILTER_REASONS, type FilterReason } from './object-filter.ts';

export type SuppressReason = 'cooldown' | 'duplicate';
export type RateLimitReason = 'camera_limit' | 'global_limit';

export interface DecisionCounters {
  /** Observations of not-yet-event tracks that failed a filter (first failing rule). */
  filtered: Record<FilterReason, number>;
  /** Tracks that qualified but did not start an event of their own (counted once a track). */
  suppressed: Record<SuppressReason, number>;
  /** Messages the rate limits dropped: the start, and later the end of that same track. */
  dropped: Record<RateLimitReason, { start: number; end: number }>;
  published: Record<EventMessageType, number>;
  /** Publisher calls that threw or rejected. */
  publishErrors: number;
}

export function emptyCounters(): DecisionCounters {
  return {
    filtered: Object.fromEntries(FILTER_REASONS.map((reason) => [reason, 0])) as Record<FilterReason, number>,
    suppressed: { cooldown: 0, duplicate: 0 },
    dropped: { camera_limit: { start: 0, end: 0 }, global_limit: { start: 0, end: 0 } },
    published: { start: 0, update: 0, end: 0 },
    publishErrors: 0,
  };
}

/** Adds `from` into `into` and returns `into`. */
export function addCounters(into: DecisionCounters, from: DecisionCounters): DecisionCounters {
  for (const reason of FILTER_REASONS) into.filtered[reason] += from.filtered[reason];
  into.suppressed.cooldown += from.suppressed.cooldown;
  into.suppressed.duplicate += from.suppressed.duplicate;
  for (const reason of ['camera_limit', 'global_limit'] as const) {
    into.dropped[reason].start += from.dropped[reason].start;
    into.dropped[reason].end += from.dropped[reason].end;
  }
  into.published.start += from.published.start;
  into.published.update += from.published.update;
  into.published.end += from.published.end;
  into.publishErrors += from.publishErrors;
  return into;
}
