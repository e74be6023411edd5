/** Reads Prometheus text exposition for tests: scrape a registry, then look series up by name and labels. */
import type { Registry } from 'prom-client';

export interface Series {
  labels: Record<string, string>;
  value: number;
}

export async function scrape(registry: Registry): Promise<string> {
  return registry.metrics();
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every series of `name` whose labels include all of `labels`. */
export function seriesOf(text: string, name: string, labels: Record<string, string>): Series[] {
  const found: Series[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || m[1] !== name) continue;
    const parsed = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1] as string, l[2] as string]));
    if (Object.entries(labels).every(([k, v]) => parsed[k] === v)) found.push({ labels: parsed, value: Number(m[3]) });
  }
  return found;
}

/** The value of the one series of `name` with these labels (throws when there is not exactly one). */
export function valueOf(text: string, name: string, labels: Record<string, string>): number {
  const found = seriesOf(text, name, labels);
  if (found.length !== 1) throw new Error(`expected one series ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return (found[0] as Series).value;
}
