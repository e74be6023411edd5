/**
 * Event ids: `${startMs}-${run tag}${sequence}`, e.g. `1764000000123-9f3a1c07.1a`. The sequence makes an
 * id unique within a run without relying on chance; the random run tag (32 bits, drawn once a run)
 * separates runs, so ids stay unique across restarts even when a restarted gateway sees the same
 * capture millisecond. The leading start time makes ids sort by start within a camera, as Frigate's do.
 */
import { randomBytes } from 'node:crypto';

export type EventIdSource = (startMs: number) => string;

export function createEventIdSource(runTag: string = randomBytes(4).toString('hex')): EventIdSource {
  let sequence = 0;
  return (startMs) => `${Math.floor(startMs)}-${runTag}.${(sequence++).toString(36)}`;
}
