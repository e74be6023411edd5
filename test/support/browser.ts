/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium (or PANOPTES_CHROMIUM) through
 * puppeteer-core, autoplay allowed; signing in on the camera list with a token; a screenshot in a
 * temporary directory when a step fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startSite, type RunningSite } from '../../src/cli/run-site.ts';
import { parseConfig } from '../../src/config/load.ts';

export const CHROMIUM = process.env['PANOPTES_CHROMIUM'] ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** A new page on `base`'s camera list, signed in with `token` (kept in the tab's sessionStorage). */
export async function signedInPage(browser: Browser, base: string, token: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(`${base}/`);
  await page.waitForSelector('#login:not([hidden])', { timeout: 60_000 });
  await page.type('#token', token);
  await page.click('#login button');
  return page;
}

/** Runs `body`; on failure saves a screenshot of the page and names its file in the error. */
export async function withScreenshot(page: Page, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'panoptes-browser-')), `${name}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    (error as Error).message += `\nscreenshot: ${file}`;
    throw error;
  }
}

export interface BrowserSite {
  running: RunningSite;
  /** `http://127.0.0.1:port`. */
  base: string;
  browser: Browser;
  /** Stops Chromium and the site and removes their scratch directory. */
  close(): Promise<void>;
}

/**
 * The runner's site (motion backend, embedded MQTT on a free port, storage in a scratch directory, API
 * auth with `tokens`) with `cameras` (config entries), and Chromium to look at it.
 */
export async function startBrowserSite(cameras: unknown[], tokens: string[] = []): Promise<BrowserSite> {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-browser-site-'));
  const config = parseConfig(
    JSON.stringify({
      mqtt: { url: null, embeddedPort: 0, outbox: { dir: path.join(dir, 'outbox') } },
      storage: { dir: path.join(dir, 'storage') },
      http: { host: '127.0.0.1', port: 0, tokens },
      inference: { backend: { type: 'motion' } },
      cameras,
    }),
    { env: {} },
  );
  const running = await startSite(config, pino({ level: 'silent' }));
  const browser = await launchChromium().catch(async (error: unknown) => {
    await running.stop();
    throw error;
  });
  return {
    running,
    base: `http://127.0.0.1:${running.http.port}`,
    browser,
    async close() {
      await browser.close();
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
