/**
 * The process's heap trims (src/site/heap-trim.ts): how many ran and how long they held the main
 * thread, so the price of keeping RSS flat is on the dashboard.
 */
import type { Registry } from 'prom-client';
import { counterFamily } from './families.ts';
import type { HeapTrimSample } from './sources.ts';

export function registerHeapTrimMetrics(registry: Registry, read: () => HeapTrimSample | null): void {
  const total = (value: (s: HeapTrimSample) => number) => () => {
    const s = read();
    return s ? [{ labels: {}, value: value(s) }] : [];
  };
  counterFamily(
    {
      registry,
      name: 'panoptes_heap_trims_total',
      help: 'Passes that gave the memory freed since the last one back to the kernel (malloc_trim, once a minute).',
      labelNames: [],
    },
    total((s) => s.passes),
  );
  counterFamily(
    { registry, name: 'panoptes_heap_trim_seconds_total', help: 'Main-thread time spent in heap trims.', labelNames: [] },
    total((s) => s.busyMs / 1000),
  );
}
