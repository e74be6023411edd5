/**
 * Environment for running `panoptes demo` in tests: ports from the OS and a private outbox and storage
 * directory, so demos can run beside each other and beside a real site.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function demoEnv(): Record<string, string> {
  return {
    PANOPTES_LOG_FORMAT: 'json',
    PANOPTES_HTTP_PORT: '0',
    PANOPTES_MQTT_EMBEDDED_PORT: '0',
    PANOPTES_MQTT_OUTBOX_DIR: mkdtempSync(path.join(tmpdir(), 'panoptes-demo-')),
    PANOPTES_STORAGE_DIR: mkdtempSync(path.join(tmpdir(), 'panoptes-demo-storage-')),
  };
}
