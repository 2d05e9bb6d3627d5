// The dashboard's entry module: asks for the API token once (kept in sessionStorage), then polls
// the query API every POLL_MS and re-renders. A 401 forgets the token and asks again; an
// unreachable API shows the error banner and keeps the last figures until it answers again.

import { loadSnapshot, UnauthorizedError, type WindowChoice } from './api-client.js';
import { byId, formatTime, renderSnapshot } from './render.js';

const TOKEN_KEY = 'allo-pipeline.api-token';
const POLL_MS = 2000;

const WINDOWS: Record<string, WindowChoice & { readonly label: string }> = {
  '1h': { spanMs: 3_600_000, bucket: 'hour', label: 'last hour' },
  '24h': { spanMs: 86_400_000, bucket: 'hour', label: 'last 24 hours' },
  '7d': { spanMs: 7 * 86_400_000, bucket: 'hour', label: 'last 7 days' },
  '30d': { spanMs: 30 * 86_400_000, bucket: 'day', label: 'last 30 days' },
};
const DEFAULT_WINDOW = '24h';

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
  for (const element of document.querySelectorAll('[data-window-label]')) {
    element.textContent = selectedWindow().label;
  }
  if (!lastSuccess) setState('loading');
  void refresh(session);
}

/** One poll: load, render, schedule the next one (unless the loop was restarted meanwhile). */
async function refresh(loop: number): Promise<void> {
  const token = storedToken();
  if (token === null) return askForToken();
  try {
    const snapshot = await loadSnapshot(token, selectedWindow(), new Date());
    if (loop !== session) return;
    renderSnapshot(snapshot);
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
