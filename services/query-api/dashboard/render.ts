// Renders a Snapshot into the page's fixed containers (see index.html). Data reaches the DOM
// through textContent and attributes only, never as markup.

import type { CallItem, MessageItem, ProjectionItem, Snapshot, Stats } from './api-client.js';
import { horizontalBars, seriesClass, stackedColumns, type Bar, type StackedColumn } from './charts.js';

/** Topics in the order the charts list and colour them; others follow alphabetically. */
const TOPIC_ORDER = [
  'call.received',
  'call.triggered',
  'call.answered',
  'call.completed',
  'tag.added',
  'tag.removed',
  'summary.updated',
  'sms.received',
  'sms.sent',
  'contact.created',
  'contact.updated',
];

/** Call results in a fixed order (so bars do not jump between refreshes); others follow. */
const RESULT_ORDER = ['ANSWERED', 'VOICEMAIL', 'TRANSFERRED_AI', 'TRANSFERRED_EXTERNAL', 'FAILED'];

/** Creates an HTML element with attributes and, optionally, text content. */
export function html<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

/** The element with this id; a missing one is a bug in index.html. */
export function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`dashboard markup has no #${id}`);
  return element;
}

export function renderSnapshot(snapshot: Snapshot): void {
  renderCallResults(snapshot.window);
  renderSms(snapshot.window);
  renderTopics(snapshot.window);
  renderEventsPerMinute(snapshot.lastHour);
  renderLag(snapshot.projections, snapshot.loadedAt);
  renderCalls(snapshot.calls);
  renderMessages(snapshot.messages);
}

function renderCallResults(stats: Stats): void {
  const results = ordered(Object.keys(stats.totals.call_results), RESULT_ORDER);
  const bars: Bar[] = results.map((result, index) => ({
    label: humanize(result),
    value: stats.totals.call_results[result] ?? 0,
    series: index,
    testId: `total-calls-${result.toLowerCase()}`,
  }));
  byId('total-calls').textContent = String(bars.reduce((sum, bar) => sum + bar.value, 0));
  const chart = byId('calls-by-result');
  if (bars.length === 0) chart.replaceChildren(html('p', { class: 'empty' }, 'No calls in this window.'));
  else chart.replaceChildren(horizontalBars(bars, 'calls-by-result-chart', chart.clientWidth));
}

function renderSms(stats: Stats): void {
  const { inbound, outbound } = stats.totals.sms;
  byId('total-sms-inbound').textContent = String(inbound);
  byId('total-sms-outbound').textContent = String(outbound);
  const chart = byId('sms-chart');
  chart.replaceChildren(
    horizontalBars(
      [
        { label: 'Inbound', value: inbound, series: 7, testId: 'sms-chart-inbound' },
        { label: 'Outbound', value: outbound, series: 8, testId: 'sms-chart-outbound' },
      ],
      'sms-chart-svg',
      chart.clientWidth,
    ),
  );
}

function renderTopics(stats: Stats): void {
  const topics = ordered(Object.keys(stats.totals.topics), TOPIC_ORDER);
  const bars = topics.map((topic) => ({
    label: topic,
    value: stats.totals.topics[topic] ?? 0,
    series: seriesOf(topic),
    testId: `total-topic-${topic}`,
  }));
  byId('total-events').textContent = String(bars.reduce((sum, bar) => sum + bar.value, 0));
  const chart = byId('topics-chart');
  chart.replaceChildren(horizontalBars(bars, 'topics-chart-svg', chart.clientWidth));
}

function renderEventsPerMinute(stats: Stats): void {
  const seen = new Set(stats.buckets.flatMap((bucket) => Object.keys(bucket.topics)));
  const topics = ordered([...seen], TOPIC_ORDER);
  const columns: StackedColumn[] = stats.buckets.map((bucket) => ({
    start: new Date(bucket.start),
    parts: topics.map((topic) => ({ key: topic, value: bucket.topics[topic] ?? 0, series: seriesOf(topic) })),
  }));
  const total = columns.reduce((sum, c) => sum + c.parts.reduce((s, part) => s + part.value, 0), 0);
  byId('events-last-hour').textContent = String(total);
  const chart = byId('events-per-minute');
  chart.replaceChildren(
    stackedColumns(columns, {
      testId: 'events-per-minute-chart',
      width: chart.clientWidth,
      columnTestId: 'epm-bar',
      tickEvery: 10,
      formatTick: (start) => start.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
    }),
  );
  const active = topics.filter((topic) =>
    columns.some((c) => c.parts.some((p) => p.key === topic && p.value > 0)),
  );
  byId('epm-legend').replaceChildren(
    ...active.map((topic) => {
      const item = html('li');
      item.append(html('span', { class: `swatch ${seriesClass(seriesOf(topic))}` }), topic);
      return item;
    }),
  );
}

function renderLag(projections: readonly ProjectionItem[], now: Date): void {
  byId('lag').replaceChildren(
    ...projections.map((p) => {
      const behind = (p.lag_messages ?? 0) > 0;
      const row = html('tr', { 'data-testid': `lag-${p.projection}`, class: behind ? 'behind' : '' });
      const version = p.live_version ?? p.version ?? null;
      row.append(
        html('th', { scope: 'row' }, p.projection),
        html('td', {}, version === null ? '—' : `v${version}`),
        html(
          'td',
          { 'data-testid': `lag-${p.projection}-messages`, class: 'num' },
          numberOrDash(p.lag_messages),
        ),
        html(
          'td',
          { 'data-testid': `lag-${p.projection}-seconds`, class: 'num' },
          numberOrDash(p.lag_seconds),
        ),
        html('td', { title: p.last_event_at ?? '' }, ago(p.last_event_at, now)),
      );
      return row;
    }),
  );
}

function renderCalls(calls: readonly CallItem[]): void {
  const rows = calls.map((call) => {
    const row = html('tr', { 'data-testid': 'latest-call', 'data-id': call.id });
    row.append(
      html('td', { title: call.started_at ?? '' }, formatTime(call.started_at ?? call.first_event_at)),
      html('td', {}, arrow(call.direction)),
      html('td', {}, party(call.from_name, call.from_number)),
      html('td', {}, party(call.to_name, call.to_number)),
      html('td', { 'data-testid': 'latest-call-result' }, humanize(call.result ?? call.status ?? '')),
      html('td', { class: 'num' }, duration(call.duration_seconds)),
      html('td', { class: 'tags' }, call.tags.join(', ')),
    );
    return row;
  });
  byId('latest-calls').replaceChildren(...(rows.length > 0 ? rows : [emptyRow(7, 'No calls yet.')]));
}

function renderMessages(messages: readonly MessageItem[]): void {
  const rows = messages.map((message) => {
    const row = html('tr', { 'data-testid': 'latest-message', 'data-id': message.id });
    row.append(
      html('td', { title: message.sent_at ?? '' }, formatTime(message.sent_at ?? message.last_event_at)),
      html('td', {}, arrow(message.direction)),
      html('td', {}, party(message.from_name, message.from_number)),
      html('td', {}, party(message.to_name, message.to_number)),
      html('td', { class: 'content' }, message.content ?? ''),
    );
    return row;
  });
  byId('latest-messages').replaceChildren(...(rows.length > 0 ? rows : [emptyRow(5, 'No messages yet.')]));
}

function emptyRow(columns: number, text: string): HTMLTableRowElement {
  const row = html('tr', { class: 'empty' });
  row.append(html('td', { colspan: String(columns) }, text));
  return row;
}

/** `keys` with those of `order` first (in that order), the rest alphabetically. */
function ordered(keys: readonly string[], order: readonly string[]): string[] {
  const known = order.filter((key) => keys.includes(key));
  return [...known, ...keys.filter((key) => !order.includes(key)).sort()];
}

/** A stable colour per topic: its position in TOPIC_ORDER, else a hash of its name. */
function seriesOf(topic: string): number {
  const index = TOPIC_ORDER.indexOf(topic);
  if (index >= 0) return index;
  return [...topic].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) >>> 0, 7);
}

function humanize(value: string): string {
  const text = value.toLowerCase().replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function arrow(direction: string | null): string {
  const upper = direction?.toUpperCase();
  return upper === 'INBOUND' ? '↙ in' : upper === 'OUTBOUND' ? '↗ out' : '—';
}

function party(name: string | null, number: string | null): string {
  if (name && number) return `${name} (${number})`;
  return name || number || '—';
}

function numberOrDash(value: number | null): string {
  return value === null ? '—' : String(value);
}

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** Local time; with the date when not today. */
export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return date.toDateString() === new Date().toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}

function ago(iso: string | null, now: Date): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return formatTime(iso);
}
