import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { deliverEvents } from '@allo-pipeline/allo-simulator';
import {
  collectPageProblems,
  eventsPerMinuteColumns,
  readFigures,
  signIn,
  textOf,
  waitForFigures,
} from './dashboard-page.js';
import { findChromium } from './find-chromium.js';
import { startPipeline, type RunningPipeline } from './pipeline-harness.js';
import { simulatedTraffic, simulatedTrafficFrom, type SimulatedTraffic } from './simulated-traffic.js';

// The dashboard in headless Chromium (Debian's `chromium`, driven by playwright-core) against the
// whole pipeline running in-process. Under CI a missing browser fails the run; elsewhere it skips.
// The tests share one pipeline and run in order: the read models start empty, then hold a history
// dated far in the past, then also one that ends just before now.
const CHROMIUM = findChromium();
const REQUIRED = Boolean(process.env.CI);
const SCREENSHOT = resolve(
  process.env.DASHBOARD_SCREENSHOT ||
    fileURLToPath(new URL('../../../test-artifacts/dashboard.png', import.meta.url)),
);
const CONVERGE_MS = 40_000;
/** Outside every recent window of the dashboard (the longest is 30 days). */
const PAST_START = new Date('2026-01-01T09:00:00Z');
const DAY_MS = 86_400_000;

if (!CHROMIUM && !REQUIRED) {
  console.warn(
    'dashboard.browser.int.test.ts SKIPPED: no Chromium found (set CHROMIUM_PATH, or `apt-get install -y chromium`)',
  );
}
const describeWithBrowser = CHROMIUM || REQUIRED ? describe : describe.skip;

describeWithBrowser('dashboard in headless Chromium against the live pipeline', () => {
  let pipeline: RunningPipeline | undefined;
  let browser: Browser | undefined;
  /** Everything delivered so far, for the latest-calls and latest-messages row counts. */
  const sent = { calls: 0, messages: 0 };

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

  const deliver = (traffic: SimulatedTraffic, ratePerSecond?: number) => {
    sent.calls += traffic.calls;
    sent.messages += traffic.messages;
    return deliverEvents(traffic.events, {
      url: pipeline!.webhookUrl,
      secret: pipeline!.webhookSecret,
      concurrency: 4,
      timeScale: 0.001,
      ...(ratePerSecond !== undefined && { ratePerSecond }),
    });
  };

  const newPage = (): Promise<Page> => browser!.newPage({ viewport: { width: 1280, height: 1000 } });

  it('explains an empty window and shows the recorded period on request', async () => {
    const past = simulatedTrafficFrom(PAST_START, 7);
    expect(Date.now() - past.lastAt).toBeGreaterThan(31 * DAY_MS);
    const page = await newPage();
    const problems = collectPageProblems(page);
    try {
      await signIn(page, `${pipeline!.apiUrl}/`, pipeline!.apiToken);
      // Nothing recorded at all: the notice says so and how to send traffic; nothing to offer.
      await page.getByTestId('empty-window').waitFor();
      expect(await textOf(page, 'empty-window-text')).toBe(
        'No events recorded yet: the read models are empty. Send some traffic with npm run simulate.',
      );
      expect(await page.getByTestId('show-recorded').isVisible()).toBe(false);

      expect((await deliver(past)).acknowledged).toBe(past.events.length);
      // Recorded, but not in the last 24 hours: the notice names the window and the period.
      await page.getByTestId('empty-window-last').waitFor({ timeout: CONVERGE_MS });
      expect(await waitForPeriod(page, past.coverage)).toEqual(past.coverage);
      expect(await textOf(page, 'empty-window-text')).toMatch(
        /^No events in the last 24 hours\. The read models hold events from .+ to .+\.$/,
      );
      expect((await readFigures(page))['total-events']).toBe('0');

      await page.getByTestId('show-recorded').click();
      expect(await waitForFigures(page, past.figures, CONVERGE_MS)).toEqual(past.figures);
      expect(await page.getByTestId('window-select').inputValue()).toBe('recorded');
      expect(await page.getByTestId('empty-window').isVisible()).toBe(false);
      expect((await eventsPerMinuteColumns(page)).total).toBe(past.events.length);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows traffic sent now in its 24-hour figures, asks again after a 401 and flags an unreachable API', async () => {
    const { apiUrl, apiToken } = pipeline!;
    const traffic = simulatedTraffic(Date.now(), 9);
    expect(traffic.firstAt).toBeGreaterThan(Date.now() - DAY_MS);
    const page = await newPage();
    const problems = collectPageProblems(page);
    let delivered = false;
    const delivery = deliver(traffic, 6).finally(() => (delivered = true));
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
      // The 24-hour figures count this traffic only: the earlier history is months old.
      expect(await waitForFigures(page, traffic.figures, CONVERGE_MS)).toEqual(traffic.figures);

      // Converged through polling alone: same document, token kept for the tab.
      expect(await page.evaluate('window.loadedOnce')).toBe(true);
      expect(await page.evaluate('Object.values({ ...sessionStorage })')).toEqual([apiToken]);
      expect(await page.getByTestId('empty-window').isVisible()).toBe(false);
      expect(await page.locator('[data-testid^="total-calls-"]').count()).toBe(traffic.results.length);
      expect(await page.getByTestId('latest-call').count()).toBe(Math.min(10, sent.calls));
      expect(await page.getByTestId('latest-message').count()).toBe(Math.min(10, sent.messages));
      for (const projection of ['calls', 'messages', 'contacts']) {
        expect(await page.getByTestId(`lag-${projection}`).isVisible()).toBe(true);
      }
      const columns = await eventsPerMinuteColumns(page);
      expect(columns.columns).toBeGreaterThanOrEqual(60);
      expect(columns.total).toBe(traffic.events.length);
      expect(await page.getByTestId('last-refreshed').textContent()).toMatch(/^Updated /);
      // DASHBOARD_SCREENSHOT picks where the converged page is saved.
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

/**
 * Polls until the notice's period is the history's coverage (the projectors may still be catching
 * up when it first shows), or CONVERGE_MS passes; returns what it last showed, for toEqual.
 */
async function waitForPeriod(page: Page, expected: SimulatedTraffic['coverage']) {
  const at = (testId: string) => page.getByTestId(testId).getAttribute('datetime');
  const deadline = Date.now() + CONVERGE_MS;
  for (;;) {
    const seen = {
      first_event_at: await at('empty-window-first'),
      last_event_at: await at('empty-window-last'),
    };
    const converged =
      seen.first_event_at === expected.first_event_at && seen.last_event_at === expected.last_event_at;
    if (converged || Date.now() > deadline) return seen;
    await page.waitForTimeout(250);
  }
}
