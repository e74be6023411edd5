/** The start-up line every command logs: which addon loaded and which SIMD path runs. */
import type { Logger } from 'pino';
import { addonPath, simdReport } from '../native/index.ts';

export function logNativeReport(logger: Logger): void {
  const simd = simdReport();
  logger.info(
    { addon: addonPath(), simd: simd.active, supported: simd.supported, compiled: simd.compiled },
    `native addon loaded (SIMD: ${simd.active})`,
  );
}
