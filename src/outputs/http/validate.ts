/**
 * Validation of what clients send (REST bodies and queries, WebSocket messages) with the config's
 * problem formatter, so the API and `panoptes config check` word problems the same way
 * (`cameras[0].ai.fps: expected a number > 0` / `limit: expected an integer, received a string`).
 */
import type { z } from 'zod';
import { configErrorMap, formatIssues } from '../../config/issues.ts';
import { RequestError } from '../../errors.ts';

export function validate<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input, { error: configErrorMap });
  if (parsed.success) return parsed.data;
  throw new RequestError('E_BAD_REQUEST', `Invalid ${what}`, formatIssues(parsed.error.issues));
}
