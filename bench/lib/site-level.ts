/**
 * What a bench level that runs the real Site in its own process shares: its warnings (overload
 * governor, degraded inference) counted by the phase they came in, and the wait until every camera is
 * online with analysed frames.
 */
import { pino, type Logger } from 'pino';
import { epochMs } from '../../src/ring/clock.ts';
import type { Site } from '../../src/site/site.ts';

export type LevelPhase = 'start-up' | 'warm-up' | 'measured' | 'stop';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A logger for the site that keeps warnings as `phase: message` counts, part of the level's result. */
export class LevelLog {
  phase: LevelPhase = 'start-up';
  private readonly counts = new Map<string, number>();
  readonly logger: Logger = pino(
    { level: 'warn' },
    {
      write: (line: string): void => {
        const entry = JSON.parse(line) as { msg?: unknown; reason?: unknown };
        // The reason (the overload governor's, with its measured figures) says what tripped it.
        const reason = typeof entry.reason === 'string' ? ` (${entry.reason})` : '';
        const msg = `${this.phase}: ${String(entry.msg)}${reason}`;
        this.counts.set(msg, (this.counts.get(msg) ?? 0) + 1);
      },
    },
  );

  warnings(): string[] {
    return [...this.counts].map(([msg, count]) => `${msg} (x${count})`);
  }
}

/** Waits until cameras `cam0..cam{n-1}` are ONLINE with analysed frames; returns ms since `startMs`. */
export async function untilOnline(site: Site, cameras: number, startMs: number, timeoutMs: number): Promise<number> {
  const ids = Array.from({ length: cameras }, (_, i) => `cam${i}`);
  const online = (): boolean =>
    ids.every((id) => {
      const m = site.cameraMetrics(id);
      return m?.state === 'ONLINE' && m.framesAnalysed > 0;
    });
  while (!online()) {
    if (epochMs() - startMs > timeoutMs) throw new Error(`not every camera online within ${timeoutMs} ms`);
    await sleep(100);
  }
  return epochMs() - startMs;
}
