import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONFIG_SCHEMA_FILE, configJsonSchema, configJsonSchemaText } from '../../src/config/json-schema.ts';

test('config/panoptes.schema.json is the schema generated from the zod schema (run `panoptes config schema` after a change)', () => {
  assert.equal(readFileSync(CONFIG_SCHEMA_FILE, 'utf8'), configJsonSchemaText());
});

test('the JSON Schema describes the input: fields with defaults are optional, camera identity is required', () => {
  const schema = configJsonSchema() as {
    required?: string[];
    additionalProperties: boolean;
    properties: { cameras: { items: { required: string[]; properties: Record<string, { description?: string }> } } };
  };
  assert.equal(schema.required, undefined, 'every top-level section has a default');
  assert.equal(schema.additionalProperties, false, 'unknown keys are flagged by editors too');
  const camera = schema.properties.cameras.items;
  assert.deepEqual([...camera.required].sort(), ['channel', 'id', 'streams']);
  assert.match(camera.properties['enabled']?.description ?? '', /disabled camera/);
});
