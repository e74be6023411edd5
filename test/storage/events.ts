/** Events and messages for the storage tests: deterministic ids, times, zones and best shots. */
import type { DetectionEvent, EventMessage, EventMessageType } from '../../src/analytics/events.ts';

export const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);

export interface EventSpec {
  n: number;
  camera?: string;
  label?: string;
  startMs?: number;
  endMs?: number | null;
  zones?: string[];
  jpeg?: string | null;
  frameJpeg?: string | null;
}

export function makeEvent(spec: EventSpec): DetectionEvent {
  const startMs = spec.startMs ?? T0 + spec.n * 1000;
  const jpeg = spec.jpeg ?? null;
  return {
    id: `${startMs}-0badc0de.${spec.n.toString(36)}`,
    camera: spec.camera ?? 'gate',
    label: spec.label ?? 'person',
    score: 0.5 + (spec.n % 50) / 100,
    box: { x: spec.n % 300, y: 20, width: 40, height: 80 },
    trackId: spec.n,
    startMs,
    endMs: spec.endMs === undefined ? null : spec.endMs,
    bestShot:
      jpeg === null
        ? null
        : {
            quality: 14.5,
            score: 0.8,
            sharpness: 5.5,
            brightness: 120,
            box: { x: 10, y: 20, width: 40, height: 80 },
            region: { x: 6, y: 12, width: 48, height: 96 },
            truncated: false,
            occlusion: 0,
            face: null,
            timeMs: startMs + 500,
            jpeg,
            frameJpeg: spec.frameJpeg ?? null,
          },
    zones: spec.zones ?? [],
    face: null,
  };
}

export function message(type: EventMessageType, event: DetectionEvent): EventMessage {
  return { type, event: Object.freeze({ ...event }) };
}

/** A small valid JPEG-looking payload (SOI ... EOI) that names its event, so a mix-up shows. */
export function fakeJpeg(tag: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(tag), Buffer.from([0xff, 0xd9])]);
}
