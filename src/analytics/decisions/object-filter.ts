/**
 * One camera's object filters, compiled once from its options and analysis frame size: label rules
 * resolved per label on first use, zone and mask polygons in pixels.
 *
 * Zones and masks test one point of the box: the centre of its bottom pixel row. That is where an
 * object stands on the ground, so a person is "in the driveway" when their feet are, not when their
 * head overlaps it from the pavement behind (Frigate uses the bottom centre for the same reason). The
 * box centre would put tall objects into zones they are only in front of.
 */
import type { Rect } from '../../native/index.ts';
import { pointInPolygon, toPixelPolygon, type PixelPolygon } from './geometry.ts';
import { rulesFor, type CameraDecisionOptions, type LabelRules } from './options.ts';

export type FilterReason = 'label' | 'mask' | 'score' | 'area' | 'zone';
export const FILTER_REASONS: readonly FilterReason[] = ['label', 'mask', 'score', 'area', 'zone'];

export interface FrameSize {
  width: number;
  height: number;
}

interface CompiledRules {
  rules: LabelRules;
  minAreaPx: number;
  maxAreaPx: number;
  /** Indexes into the camera's zones; empty = no zone required. */
  requiredZones: number[];
}

export class ObjectFilter {
  readonly #options: CameraDecisionOptions;
  readonly #frameArea: number;
  readonly #labels: ReadonlySet<string> | null;
  readonly #zoneNames: string[];
  readonly #zones: PixelPolygon[];
  readonly #masks: PixelPolygon[];
  readonly #rules = new Map<string, CompiledRules>();
  /** Which zones the last tested point was in (reused for every test). */
  readonly #inZone: boolean[];

  constructor(options: CameraDecisionOptions, frame: FrameSize) {
    this.#options = options;
    this.#frameArea = frame.width * frame.height;
    this.#labels = options.labels === undefined ? null : new Set(options.labels);
    this.#zoneNames = Object.keys(options.zones);
    this.#zones = Object.values(options.zones).map((zone) => toPixelPolygon(zone.points, frame.width, frame.height));
    this.#masks = options.masks.map((mask) => toPixelPolygon(mask, frame.width, frame.height));
    this.#inZone = this.#zoneNames.map(() => false);
  }

  rules(label: string): LabelRules {
    return this.#compiled(label).rules;
  }

  #compiled(label: string): CompiledRules {
    let compiled = this.#rules.get(label);
    if (compiled === undefined) {
      const rules = rulesFor(this.#options.objects, label);
      compiled = {
        rules,
        minAreaPx: rules.minArea * this.#frameArea,
        maxAreaPx: rules.maxArea * this.#frameArea,
        requiredZones: rules.requiredZones.map((name) => this.#zoneNames.indexOf(name)),
      };
      this.#rules.set(label, compiled);
    }
    return compiled;
  }

  masked(box: Rect): boolean {
    const x = anchorX(box);
    const y = anchorY(box);
    return this.#masks.some((mask) => pointInPolygon(x, y, mask));
  }

  /** Appends to `entered` the zones the box's anchor is in that it does not list yet (in config order). */
  addZonesAt(box: Rect, entered: string[]): void {
    this.#markZones(box);
    for (let i = 0; i < this.#zoneNames.length; i++) {
      const name = this.#zoneNames[i] as string;
      if (this.#inZone[i] === true && !entered.includes(name)) entered.push(name);
    }
  }

  #markZones(box: Rect): void {
    const x = anchorX(box);
    const y = anchorY(box);
    for (let i = 0; i < this.#zones.length; i++) this.#inZone[i] = pointInPolygon(x, y, this.#zones[i] as PixelPolygon);
  }

  /** null when the observation may start an event, else the first rule it fails (in FILTER_REASONS order). */
  check(label: string, score: number, box: Rect): FilterReason | null {
    if (this.#labels !== null && !this.#labels.has(label)) return 'label';
    if (this.masked(box)) return 'mask';
    const compiled = this.#compiled(label);
    if (score < compiled.rules.minScore) return 'score';
    const area = box.width * box.height;
    if (area < compiled.minAreaPx || area > compiled.maxAreaPx) return 'area';
    if (compiled.requiredZones.length > 0) {
      this.#markZones(box);
      if (!compiled.requiredZones.some((i) => this.#inZone[i] === true)) return 'zone';
    }
    return null;
  }
}

/** Centre of the box's bottom pixel row (pixel rows y .. y+height-1, centres at +0.5). */
function anchorX(box: Rect): number {
  return box.x + box.width / 2;
}

function anchorY(box: Rect): number {
  return box.y + box.height - 0.5;
}
