/**
 * The decision layer's configuration: per camera object rules (by label, `*` the default), zones, masks,
 * deduplication, update policy and rate limit; one global rate limit. These schemas are the edge: the
 * config issue composes them, everything behind them trusts the parsed types.
 *
 * Coordinates are normalised (0..1 of the frame's width and height) and areas are fractions of the frame
 * area, so a site config survives a change of the analysis size.
 */
import { z } from 'zod';
import { tokenBucketSchema } from './token-bucket.ts';
import { updatePolicySchema } from './update-policy.ts';

const coordinate = z.number().min(0).max(1);

/** Twice the signed area (shoelace); 0 for a polygon whose points all lie on one line. */
function doubledArea(points: ReadonlyArray<readonly [number, number]>): number {
  let sum = 0;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i] as readonly [number, number];
    const [xj, yj] = points[j] as readonly [number, number];
    sum += xj * yi - xi * yj;
  }
  return sum;
}

export const polygonSchema = z
  .array(z.tuple([coordinate, coordinate]), 'Expected a list of [x, y] points')
  .min(3, 'A polygon needs at least 3 points')
  .refine((points) => doubledArea(points) !== 0, 'A polygon needs an area: its points all lie on one line')
  .describe('Polygon as [[x, y], ...], normalised frame coordinates (0..1, origin top-left), closed implicitly.');
export type Polygon = z.infer<typeof polygonSchema>;

/** Zone names appear in MQTT topics and URLs. */
export const zoneNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Expected a zone name of letters, digits, _ or - (at most 64)');

export const zoneSchema = z.strictObject({ points: polygonSchema });

const labelRuleShape = {
  minScore: z.number().min(0).max(1).describe('Detector score an observation needs to start an event (default 0.5).'),
  minArea: z.number().min(0).max(1).describe('Smallest box area, as a fraction of the frame area (default 0).'),
  maxArea: z.number().min(0).max(1).describe('Largest box area, as a fraction of the frame area (default 1).'),
  requiredZones: z
    .array(zoneNameSchema)
    .describe("An event starts only while the object's bottom-centre is in one of these zones; [] = anywhere (default)."),
  cooldownMs: z
    .number()
    .int()
    .min(0)
    .describe('After an event of this label ends, a new one on the camera waits this long (ms; default 0 = none).'),
};

export const LABEL_RULE_DEFAULTS: LabelRules = { minScore: 0.5, minArea: 0, maxArea: 1, requiredZones: [], cooldownMs: 0 };
export type LabelRules = { [K in keyof typeof labelRuleShape]: z.infer<(typeof labelRuleShape)[K]> };

/** One entry of `objects`: every field optional, missing ones come from `*`, then the defaults. */
export const labelRulesSchema = z.strictObject(labelRuleShape).partial();

/** The rules that apply to `label`: defaults, overridden by `*`, overridden by the label's own entry. */
export function rulesFor(objects: Readonly<Record<string, Partial<LabelRules>>>, label: string): LabelRules {
  return { ...LABEL_RULE_DEFAULTS, ...objects['*'], ...objects[label] };
}

export const cameraDecisionsSchema = z
  .strictObject({
    labels: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Labels that can become events; omitted = every label the detector reports.'),
    objects: z
      .record(z.string().min(1), labelRulesSchema)
      .default({})
      .describe('Rules by label; "*" holds the defaults for every label, a label entry overrides them field by field.'),
    zones: z.record(zoneNameSchema, zoneSchema).default({}).describe('Named zones; events list the zones their object entered.'),
    masks: z.array(polygonSchema).default([]).describe('Objects whose bottom-centre is inside a mask are ignored.'),
    dedupIou: z
      .number()
      .gt(0)
      .max(1)
      .default(0.7)
      .describe('Two tracks of one label overlapping more than this in the same frame make one event.'),
    updates: updatePolicySchema.prefault({}),
    // A busy walkway starts 30-40 person events a minute (OpenCV's vtest.avi: 40 passages in 80 s, plus
    // parked cars); at the former 10 / 30 a minute it lost 9 event starts in that clip
    // (test/quality/footage.test.ts). 120 a minute still stops a flapping detector.
    rateLimit: tokenBucketSchema
      .nullable()
      .prefault({ burst: 30, perMinute: 120 })
      .describe('Event starts this camera may publish; null = unlimited.'),
  })
  .superRefine((camera, ctx) => {
    // Checked on the merged rules, because `*` and a label entry can each hold one half of a bad pair.
    for (const label of Object.keys(camera.objects)) {
      const rules = rulesFor(camera.objects, label);
      if (rules.minArea > rules.maxArea) {
        ctx.addIssue({
          code: 'custom',
          path: ['objects', label, 'minArea'],
          message: `minArea ${rules.minArea} is above maxArea ${rules.maxArea}`,
        });
      }
      rules.requiredZones.forEach((zone, i) => {
        if (!(zone in camera.zones)) {
          ctx.addIssue({
            code: 'custom',
            path: ['objects', label, 'requiredZones', i],
            message: `Unknown zone "${zone}": define it under zones`,
          });
        }
      });
    }
  });
export type CameraDecisionOptionsInput = z.input<typeof cameraDecisionsSchema>;
export type CameraDecisionOptions = z.output<typeof cameraDecisionsSchema>;

export const globalDecisionsSchema = z.strictObject({
  rateLimit: tokenBucketSchema
    .nullable()
    .prefault({ burst: 100, perMinute: 600 })
    .describe('Event starts all cameras together may publish; null = unlimited.'),
});
export type GlobalDecisionOptionsInput = z.input<typeof globalDecisionsSchema>;
export type GlobalDecisionOptions = z.output<typeof globalDecisionsSchema>;
