// The dashboard's entry module: asks for the API token once (kept in sessionStorage), then polls
// the query API every POLL_MS and re-renders. A 401 forgets the token and asks again; an
// unreachable API shows the error banner and keeps the last figures until it answers again.

import { loadSnapshot, UnauthorizedError, type Snapshot } from './api-client.js';
import { byId, formatTime, html, renderSnapshot } from './render.js';
import type { WindowChoice } from './stats-window.js';

const TOKEN_KEY = 'allo-pipeline.api-token';
const POLL_MS = 2000;

const WINDOWS: Record<string, WindowChoice & { readonly label: string }> = {
  '1h': { kind: 'recent', spanMs: 3_600_000, bucket: 'hour', label: 'last hour' },
  '24h': { kind: 'recent', spanMs: 86_400_000, bucket: 'hour', label: 'last 24 hours' },
  '7d': { kind: 'recent', spanMs: 7 * 86_400_000, bucket: 'hour', label: 'last 7 days' },
  '30d': { kind: 'recent', spanMs: 30 * 86_400_000, bucket: 'day', label: 'last 30 days' },
  // Its label is replaced by the actual period once a refresh knows it.
  recorded: { kind: 'recorded', label: 'whole recorded period' },
};
const DEFAULT_WINDOW = '24h';
const RECORDED_WINDOW = 'recorded';

type PageState = 'signed-out' | 'loading' | 'live' | 'error';

/** Bumped whenever polling restarts or stops, so a late answer of an older loop is dropped. */
let session = 0;
let timer: number | undefined;
let lastSuccess: Date | undefined;

function setState(state: PageState): void {
  document.body.dataset.state = state;
}

function selectedWindow(): WindowChoice & { readonly label: string } {
  const select = byId('window-select') as HTMLSelectElement;
  return WINDOWS[select.value] ?? WINDOWS[DEFAULT_WINDOW]!;
}

function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Hides the dashboard and shows the token form, with a reason when there is one. */
function askForToken(message = ''): void {
  session++;
  window.clearTimeout(timer);
  sessionStorage.removeItem(TOKEN_KEY);
  lastSuccess = undefined;
  setState('signed-out');
  byId('dashboard').hidden = true;
  byId('signed-in').hidden = true;
  byId('token-panel').hidden = false;
  byId('token-message').textContent = message;
  const input = byId('token-input') as HTMLInputElement;
  input.value = '';
  input.focus();
}

function showDashboard(): void {
  byId('token-panel').hidden = true;
  byId('dashboard').hidden = false;
  byId('signed-in').hidden = false;
  restartPolling();
}

function restartPolling(): void {
  session++;
  window.clearTimeout(timer);
  setWindowLabels(selectedWindow().label, 'last 60 minutes');
  if (!lastSuccess) setState('loading');
  void refresh(session);
}

function setWindowLabels(window: string, lastHour: string): void {
  for (const element of document.querySelectorAll('[data-window-label]')) element.textContent = window;
  byId('epm-label').textContent = lastHour;
}

/** Shows the recorded window's actual period, and that the per-minute chart ends with it. */
function labelRecordedPeriod({ range, coverage }: Snapshot): void {
  if (selectedWindow().kind !== 'recorded' || coverage.last_event_at === null) return;
  const [since, last] = [range.since, new Date(coverage.last_event_at)];
  const minutes = (at: Date) => at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const day = (at: Date) => at.toLocaleDateString();
  // One date when the period lies within a day, as a simulated history does.
  const period =
    day(since) === day(last)
      ? `${day(since)} ${minutes(since)}–${minutes(last)}`
      : `${day(since)} ${minutes(since)} – ${day(last)} ${minutes(last)}`;
  setWindowLabels(period, `60 minutes to ${day(last)} ${minutes(last)}`);
}

/**
 * Says why the window's figures are all zero: the read models hold nothing at all (then how to
 * send some), or only outside this window (then when, with an offer to show that period).
 */
function explainEmptyWindow({ window: stats, coverage }: Snapshot): void {
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  const empty = sum(stats.totals.topics) === 0 && sum(stats.totals.call_results) === 0;
  byId('empty-window').hidden = !empty;
  if (!empty) return;
  const { first_event_at: first, last_event_at: last } = coverage;
  const text = byId('empty-window-text');
  const offer = byId('show-recorded');
  if (first === null || last === null) {
    text.replaceChildren(
      'No events recorded yet: the read models are empty. Send some traffic with ',
      html('code', {}, 'npm run simulate'),
      '.',
    );
    offer.hidden = true;
    return;
  }
  const at = (iso: string, testId: string) =>
    html('time', { datetime: iso, 'data-testid': testId }, formatTime(iso));
  text.replaceChildren(
    `No events in the ${selectedWindow().label}. The read models hold events from `,
    at(first, 'empty-window-first'),
    ' to ',
    at(last, 'empty-window-last'),
    '.',
  );
  offer.hidden = false;
}

/** One poll: load, render, schedule the next one (unless the loop was restarted meanwhile). */
async function refresh(loop: number): Promise<void> {
  const token = storedToken();
  if (token === null) return askForToken();
  try {
    const snapshot = await loadSnapshot(token, selectedWindow(), new Date());
    if (loop !== session) return;
    renderSnapshot(snapshot);
    labelRecordedPeriod(snapshot);
    explainEmptyWindow(snapshot);
    lastSuccess = snapshot.loadedAt;
    showFresh(snapshot.loadedAt);
  } catch (error) {
    if (loop !== session) return;
    if (error instanceof UnauthorizedError) {
      return askForToken('The API rejected this token. Enter a valid one.');
    }
    showError(error);
  }
  timer = window.setTimeout(() => void refresh(loop), POLL_MS);
}

function showFresh(at: Date): void {
  setState('live');
  byId('api-error').hidden = true;
  const refreshed = byId('last-refreshed');
  refreshed.textContent = `Updated ${formatTime(at.toISOString())}`;
  refreshed.setAttribute('datetime', at.toISOString());
}

function showError(error: unknown): void {
  setState('error');
  const reason = error instanceof Error ? error.message : String(error);
  const since = lastSuccess ? `the figures are from ${formatTime(lastSuccess.toISOString())}` : 'no data yet';
  const banner = byId('api-error');
  banner.textContent = `API unreachable (${reason}); retrying every ${POLL_MS / 1000} s, ${since}.`;
  banner.hidden = false;
}

function init(): void {
  const select = byId('window-select') as HTMLSelectElement;
  select.value = DEFAULT_WINDOW;
  select.addEventListener('change', restartPolling);
  byId('show-recorded').addEventListener('click', () => {
    select.value = RECORDED_WINDOW;
    restartPolling();
  });
  byId('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = (byId('token-input') as HTMLInputElement).value.trim();
    if (token === '') return;
    sessionStorage.setItem(TOKEN_KEY, token);
    showDashboard();
  });
  byId('sign-out').addEventListener('click', () => askForToken());
  if (storedToken() === null) askForToken();
  else showDashboard();
}

init();
