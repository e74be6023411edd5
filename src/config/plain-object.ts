/** A YAML mapping as parsed: an object that is not a list (YAML documents hold no other objects). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
