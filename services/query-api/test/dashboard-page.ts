// Test support: reading the dashboard's figures through playwright. The page scripts are passed as
// strings: this program is typed for Node, without the DOM library.
import type { Page } from 'playwright-core';

const FIGURES_SCRIPT = `Object.fromEntries(
  [...document.querySelectorAll('[data-testid]')].map((element) => [
    element.getAttribute('data-testid'),
    element.textContent,
  ]),
)`;

/** data-testid → text content of every marked element (the last one for repeated ids). */
export async function readFigures(page: Page): Promise<Record<string, string>> {
  return page.evaluate<Record<string, string>>(FIGURES_SCRIPT);
}

/** The subset of `figures` named by `expected`'s keys (null where the page has no such element). */
function pick(figures: Record<string, string>, expected: Readonly<Record<string, string>>) {
  return Object.fromEntries(Object.keys(expected).map((id) => [id, figures[id] ?? null]));
}

/**
 * Polls the page until every expected figure shows its text, or `timeoutMs` passes; returns what
 * was last seen (for the caller's toEqual, whose diff then names the figures that never converged).
 */
export async function waitForFigures(
  page: Page,
  expected: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<Record<string, string | null>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = pick(await readFigures(page), expected);
    const converged = Object.entries(expected).every(([id, text]) => seen[id] === text);
    if (converged || Date.now() > deadline) return seen;
    await page.waitForTimeout(250);
  }
}

/** Collects uncaught page errors and CSP violations reported on the console. */
export function collectPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/content security policy|refused to/i.test(message.text())) problems.push(message.text());
  });
  return problems;
}

/** Sum and number of the events-per-minute columns (their data-total attributes). */
export async function eventsPerMinuteColumns(page: Page): Promise<{ columns: number; total: number }> {
  const totals = await page.evaluate<number[]>(
    `[...document.querySelectorAll('[data-testid="epm-bar"]')].map((g) => Number(g.getAttribute('data-total')))`,
  );
  return { columns: totals.length, total: totals.reduce((sum, n) => sum + n, 0) };
}

/** Opens the dashboard at `url`, enters the token and waits until the first refresh is shown. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('token-input').fill(token);
  await page.getByTestId('token-submit').click();
  await page.locator('body[data-state="live"]').waitFor();
}

/** The text of one marked element, with runs of white space collapsed (markup line breaks). */
export async function textOf(page: Page, testId: string): Promise<string> {
  return ((await page.getByTestId(testId).textContent()) ?? '').replace(/\s+/g, ' ').trim();
}
