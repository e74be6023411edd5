/**
 * Reading the site config: YAML -> PANOPTES_* overrides -> `defaults` merged under each camera -> zod
 * -> `${VAR}` secrets resolved. Every problem of every stage that can run is collected into one
 * ConfigError, so a file is fixed in one pass instead of one error at a time.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument, type Document } from 'yaml';
import { ConfigError } from '../errors.ts';
import { referencedVariables } from '../ingest/secrets.ts';
import { cameraSchema, cameraSettingsSchema, type CameraConfig } from './camera-schema.ts';
import { applyEnvOverrides, type AppliedOverride } from './env-overrides.ts';
import { configErrorMap, formatIssues, formatPath } from './issues.ts';
import { isPlainObject } from './plain-object.ts';
import { siteConfigSchema, type SiteConfig } from './schema.ts';
import { Secret } from './secret.ts';

export interface ParseOptions {
  /** Source of `${VAR}` secrets and PANOPTES_* overrides; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Named in error messages (the file name); default "config". */
  source?: string;
}

/** Keys that pick a variant (`sampling.strategy`, `backend.type`): another variant has other fields. */
const VARIANT_KEYS = ['strategy', 'type'];

function sameVariant(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return VARIANT_KEYS.every((key) => !(key in a) || !(key in b) || a[key] === b[key]);
}

/**
 * Maps merge key by key; lists and scalars of the camera replace the default's, and so does a map
 * that names another variant than the default's (a camera's `sampling: {strategy: adaptive}` under a
 * default `{strategy: motion, cooldownMs: ...}`).
 */
function mergeUnder(defaults: Record<string, unknown>, camera: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(camera)) {
    const base = Object.hasOwn(out, key) ? out[key] : undefined;
    const merged = isPlainObject(base) && isPlainObject(value) && sameVariant(base, value) ? mergeUnder(base, value) : value;
    // JSON.parse makes `__proto__` an own key; assigning it would set the prototype and hide the key
    // from the schema, which must see it to refuse it as unknown.
    Object.defineProperty(out, key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Defaults that are themselves invalid are reported once, at `defaults...`, and not merged: otherwise
 * every camera would repeat the same problem under its own path.
 */
function withDefaultsMerged(document: Record<string, unknown>): Record<string, unknown> {
  const { defaults, cameras } = document;
  if (!isPlainObject(defaults) || !Array.isArray(cameras)) return document;
  if (!cameraSettingsSchema.safeParse(defaults).success) return document;
  return { ...document, cameras: cameras.map((camera: unknown) => (isPlainObject(camera) ? mergeUnder(defaults, camera) : camera)) };
}

/** Appends the variable to problems about a setting an override wrote (or anything inside it). */
function nameOverrides(lines: string[], overrides: readonly AppliedOverride[]): string[] {
  return lines.map((line) => {
    const override = overrides.find((o) => {
      const prefix = formatPath(o.path);
      return line.startsWith(prefix) && /^[:.[]/.test(line.slice(prefix.length));
    });
    return override ? line.replace(': ', ` (from ${override.variable}): `) : line;
  });
}

/**
 * Replaces, in place, every Secret below `node` by one whose `${VAR}` references hold the variables'
 * values (not URL-encoded, as stream URLs are: these are not URLs); a missing variable is a problem.
 */
function resolveSecretFields(node: unknown, path: PropertyKey[], env: NodeJS.ProcessEnv, problems: string[]): void {
  if (!isPlainObject(node) && !Array.isArray(node)) return;
  const fields = node as Record<string, unknown>;
  for (const [key, child] of Object.entries(fields)) {
    const at = [...path, Array.isArray(node) ? Number(key) : key];
    if (!(child instanceof Secret)) {
      resolveSecretFields(child, at, env, problems);
      continue;
    }
    let value = child.reveal();
    for (const name of referencedVariables(value)) {
      const resolved = env[name];
      if (resolved === undefined)
        problems.push(`${formatPath(at)}: refers to \${${name}}, which is not set in the environment; set it or remove the reference`);
      else value = value.replaceAll(`\${${name}}`, resolved);
    }
    fields[key] = new Secret(value);
  }
}

/** yaml's own bound on alias expansion: far above what a hand-written config uses. */
const MAX_ALIAS_COUNT = 100;

/**
 * The document as plain values. Aliases expanding into aliases (a "billion laughs" file) would build
 * an exponential tree: yaml stops at MAX_ALIAS_COUNT expansions by throwing, reported here as a problem.
 */
function toPlain(doc: Document.Parsed, source: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    throw new ConfigError(source, [
      `(root): YAML aliases (*name) expand to more than ${MAX_ALIAS_COUNT} copies of anchored values (a resource-exhaustion guard); write those values out or use fewer aliases`,
    ]);
  }
}

/** Parses and validates a config file's text; throws ConfigError listing every problem. */
export function parseConfig(text: string, options: ParseOptions = {}): SiteConfig {
  const env = options.env ?? process.env;
  const source = options.source ?? 'config';
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        // prettyErrors appends " at line L, column C:" and a code excerpt; the position leads here instead.
        const message = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        return `${at ? `line ${at.line}, column ${at.col}` : 'YAML'}: ${message}`;
      }),
    );
  }
  const raw = toPlain(doc, source);
  const overrides = isPlainObject(raw) ? applyEnvOverrides(raw, env) : [];
  const document = isPlainObject(raw) ? withDefaultsMerged(raw) : raw;
  const parsed = siteConfigSchema.safeParse(document, { error: configErrorMap });
  if (!parsed.success) throw new ConfigError(source, nameOverrides(formatIssues(parsed.error.issues), overrides));
  const problems: string[] = [];
  resolveSecretFields(parsed.data, [], env, problems);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return parsed.data;
}

export async function loadConfig(file: string, options: Omit<ParseOptions, 'source'> = {}): Promise<SiteConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseConfig(text, { ...options, source: file });
}

/**
 * A replacement entry for camera `id` (PUT /cameras/{id}, MQTT .../{id}/config): the id comes from the
 * path or topic; a body naming another id is refused rather than silently renamed or ignored.
 */
export function withId(input: Record<string, unknown>, id: string | undefined, source: string): Record<string, unknown> {
  if (id === undefined) return input;
  if (Object.hasOwn(input, 'id') && input['id'] !== id) {
    throw new ConfigError(source, [
      `id: differs from the camera being changed ('${id}'); omit id or send '${id}' (to rename a camera, remove it and add it under the new id)`,
    ]);
  }
  return { ...input, id };
}

/**
 * One camera given at runtime (REST body, MQTT control message): the site's `defaults` merged under
 * it as for cameras in the file, then validated; throws ConfigError with `path: message` problems.
 * With `id`, the entry replaces that camera (see withId).
 */
export function parseCamera(input: unknown, defaults: SiteConfig['defaults'], source = 'camera', id?: string): CameraConfig {
  const merged = isPlainObject(input) ? mergeUnder(defaults as Record<string, unknown>, withId(input, id, source)) : input;
  const parsed = cameraSchema.safeParse(merged, { error: configErrorMap });
  if (!parsed.success) throw new ConfigError(source, formatIssues(parsed.error.issues));
  return parsed.data;
}
