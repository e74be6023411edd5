/**
 * Environment overrides for settings: `PANOPTES_` + the setting's path in upper snake case, each
 * camelCase word split (`http.port` -> PANOPTES_HTTP_PORT, `gateway.logLevel` ->
 * PANOPTES_GATEWAY_LOG_LEVEL, `inference.pool.maxBatch` -> PANOPTES_INFERENCE_POOL_MAX_BATCH).
 * The settings that have one are read off the JSON Schema (so off the zod schema): every field outside
 * `cameras` that is not a list and not inside a map of free keys (zones, objects). A value is taken as
 * JSON when it parses (9000, true, null, "text") and as a string otherwise; a setting that can only be
 * a string always takes the value as it is. Other PANOPTES_* variables (PANOPTES_FFMPEG, ...) are not
 * settings and are left alone.
 */
import { configJsonSchema } from './json-schema.ts';
import { isPlainObject } from './plain-object.ts';

type JsonSchema = Record<string, unknown>;

export interface OverridableSetting {
  path: readonly string[];
  /** Only a string is valid here, so a value like `123` must not be read as a number. */
  stringOnly: boolean;
}

export interface AppliedOverride {
  variable: string;
  path: readonly string[];
}

export function overrideVariable(path: readonly string[]): string {
  return `PANOPTES_${path.map((key) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

function branchesOf(node: JsonSchema): JsonSchema[] {
  const branches = (node['anyOf'] ?? node['oneOf']) as JsonSchema[] | undefined;
  return branches ? branches.flatMap(branchesOf) : [node];
}

function collect(node: JsonSchema, path: string[], into: Map<string, OverridableSetting>): void {
  const leafTypes = new Set<unknown>();
  for (const branch of branchesOf(node)) {
    const properties = branch['properties'] as Record<string, JsonSchema> | undefined;
    if (properties) {
      for (const [key, child] of Object.entries(properties)) collect(child, [...path, key], into);
    } else if (branch['type'] !== 'object' && branch['type'] !== 'array') {
      leafTypes.add(branch['type']);
    }
  }
  if (leafTypes.size === 0 || path.length === 0) return;
  const name = overrideVariable(path);
  const stringOnly = leafTypes.size === 1 && leafTypes.has('string');
  // A setting reached through two union branches appears twice with one name: keep the looser reading.
  const seen = into.get(name);
  into.set(name, { path, stringOnly: stringOnly && (seen?.stringOnly ?? true) });
}

let settings: Map<string, OverridableSetting> | undefined;

/** Variable name -> the setting it overrides. */
export function overridableSettings(): ReadonlyMap<string, OverridableSetting> {
  if (!settings) {
    settings = new Map();
    const properties = configJsonSchema()['properties'] as Record<string, JsonSchema>;
    for (const [section, node] of Object.entries(properties)) {
      if (section !== 'cameras') collect(node, [section], settings);
    }
  }
  return settings;
}

function parseValue(text: string, stringOnly: boolean): unknown {
  if (stringOnly) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Writes every PANOPTES_* override present in `env` into the raw (not yet validated) document, creating
 * sections the file leaves out. Returns what was applied so problems can name the variable.
 */
export function applyEnvOverrides(document: Record<string, unknown>, env: NodeJS.ProcessEnv): AppliedOverride[] {
  const applied: AppliedOverride[] = [];
  for (const [variable, setting] of overridableSettings()) {
    const text = env[variable];
    if (text === undefined) continue;
    let target = document;
    for (const key of setting.path.slice(0, -1)) {
      const next = target[key];
      if (!isPlainObject(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[setting.path.at(-1) as string] = parseValue(text, setting.stringOnly);
    applied.push({ variable, path: setting.path });
  }
  return applied;
}
