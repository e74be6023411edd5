/**
 * The JSON Schema of the site config for editors (YAML language servers read it from a
 * `# yaml-language-server: $schema=...` line), generated from the zod schema's input side, so every
 * field that has a default is optional. config/panoptes.schema.json is this output; a test keeps it
 * current, and `panoptes config schema` rewrites it.
 */
import { z } from 'zod';
import { siteConfigSchema } from './schema.ts';

export const CONFIG_SCHEMA_FILE = new URL('../../config/panoptes.schema.json', import.meta.url);

type JsonSchema = Record<string, unknown>;

let cached: JsonSchema | undefined;

export function configJsonSchema(): JsonSchema {
  cached ??= {
    ...z.toJSONSchema(siteConfigSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'Panoptes site configuration',
  };
  return cached;
}

/** The file's exact text: two-space indentation and a final newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
