// Saves a screenshot of a running dashboard, e.g. one minute into `npm start -- --demo`:
//   DASHBOARD_TOKEN=<a token from API_TOKENS> DASHBOARD_SCREENSHOT=/tmp/dashboard.png \
//     npx tsx services/query-api/test/screenshot-dashboard.ts
// DASHBOARD_URL defaults to the query API's default address; CHROMIUM_PATH picks the browser.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { signIn } from './dashboard-page.js';
import { findChromium } from './find-chromium.js';

/** Let the charts of the first refresh lay out (they size to their panels) before the shot. */
const SETTLE_MS = 1000;

const url = process.env.DASHBOARD_URL ?? 'http://127.0.0.1:8090/';
const token = process.env.DASHBOARD_TOKEN;
const path = process.env.DASHBOARD_SCREENSHOT;
const executablePath = findChromium();

if (!token || !path || !executablePath) {
  const missing = !executablePath ? 'a Chromium (CHROMIUM_PATH)' : 'DASHBOARD_TOKEN and DASHBOARD_SCREENSHOT';
  process.stderr.write(`screenshot-dashboard: needs ${missing}\n`);
  process.exit(2);
}

const browser = await chromium.launch({ executablePath, headless: true });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await signIn(page, url, token);
  await page.waitForTimeout(SETTLE_MS);
  mkdirSync(dirname(resolve(path)), { recursive: true });
  await page.screenshot({ path, fullPage: true });
  process.stdout.write(`screenshot-dashboard: saved ${resolve(path)} (${url})\n`);
} finally {
  await browser.close();
}
