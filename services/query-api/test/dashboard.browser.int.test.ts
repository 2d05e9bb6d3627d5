import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser } from 'playwright-core';
import { deliverEvents } from '@allo-pipeline/allo-simulator';
import {
  collectPageProblems,
  eventsPerMinuteColumns,
  readFigures,
  waitForFigures,
} from './dashboard-page.js';
import { findChromium } from './find-chromium.js';
import { startPipeline, type RunningPipeline } from './pipeline-harness.js';
import { simulatedTraffic } from './simulated-traffic.js';

// The dashboard in headless Chromium (Debian's `chromium`, driven by playwright-core) against the
// whole pipeline running in-process. Under CI a missing browser fails the run; elsewhere it skips.
const CHROMIUM = findChromium();
const REQUIRED = Boolean(process.env.CI);
const SCREENSHOT = fileURLToPath(new URL('../../../test-artifacts/dashboard.png', import.meta.url));
const CONVERGE_MS = 40_000;

if (!CHROMIUM && !REQUIRED) {
  console.warn(
    'dashboard.browser.int.test.ts SKIPPED: no Chromium found (set CHROMIUM_PATH, or `apt-get install -y chromium`)',
  );
}
const describeWithBrowser = CHROMIUM || REQUIRED ? describe : describe.skip;

describeWithBrowser('dashboard in headless Chromium against the live pipeline', () => {
  let pipeline: RunningPipeline | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!CHROMIUM) {
      throw new Error(
        'CI is set but no Chromium was found: set CHROMIUM_PATH or `apt-get install -y chromium`',
      );
    }
    [pipeline, browser] = await Promise.all([
      startPipeline('dashboard'),
      chromium.launch({ executablePath: CHROMIUM, headless: true }),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await pipeline?.close();
  });

  it('shows the simulated traffic live, asks again after a 401 and flags an unreachable API', async () => {
    const { apiUrl, apiToken, webhookUrl, webhookSecret } = pipeline!;
    const traffic = simulatedTraffic(Date.now());
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems = collectPageProblems(page);
    let delivered = false;
    const delivery = deliverEvents(traffic.events, {
      url: webhookUrl,
      secret: webhookSecret,
      concurrency: 4,
      ratePerSecond: 6,
      timeScale: 0.001,
    }).finally(() => (delivered = true));
    try {
      await page.goto(`${apiUrl}/`);
      // A wrong token is rejected by the API (401): the form comes back with a reason.
      await page.getByTestId('token-input').fill('not-the-token');
      await page.getByTestId('token-submit').click();
      await page.getByTestId('token-message').filter({ hasText: 'rejected' }).waitFor();
      expect(await page.evaluate('sessionStorage.length')).toBe(0);

      await page.getByTestId('token-input').fill(apiToken);
      await page.getByTestId('token-submit').click();
      await page.locator('body[data-state="live"]').waitFor();
      expect(delivered).toBe(false); // the page is up while the traffic still flows
      await page.evaluate('window.loadedOnce = true');

      const report = await delivery;
      expect(report.acknowledged).toBe(traffic.events.length);
      expect(await waitForFigures(page, traffic.figures, CONVERGE_MS)).toEqual(traffic.figures);

      // Converged through polling alone: same document, token kept for the tab.
      expect(await page.evaluate('window.loadedOnce')).toBe(true);
      expect(await page.evaluate('Object.values({ ...sessionStorage })')).toEqual([apiToken]);
      expect(await page.locator('[data-testid^="total-calls-"]').count()).toBe(traffic.results.length);
      expect(await page.getByTestId('latest-call').count()).toBe(Math.min(10, traffic.calls));
      expect(await page.getByTestId('latest-message').count()).toBe(Math.min(10, traffic.messages));
      for (const projection of ['calls', 'messages', 'contacts']) {
        expect(await page.getByTestId(`lag-${projection}`).isVisible()).toBe(true);
      }
      const columns = await eventsPerMinuteColumns(page);
      expect(columns.columns).toBeGreaterThanOrEqual(60);
      expect(columns.total).toBe(traffic.events.length);
      expect(await page.getByTestId('last-refreshed').textContent()).toMatch(/^Updated /);
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // The API goes away: the banner says so and the last figures stay on screen.
      await pipeline!.stopQueryApi();
      await page.getByTestId('api-error').filter({ hasText: 'API unreachable' }).waitFor({ timeout: 10_000 });
      expect(await page.locator('body[data-state="error"]').count()).toBe(1);
      expect((await readFigures(page))['total-events']).toBe(String(traffic.events.length));
      expect(problems).toEqual([]);
    } finally {
      await delivery.catch(() => undefined);
      await page.close();
    }
  });
});
