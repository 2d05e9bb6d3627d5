// Hand-drawn SVG charts: horizontal bars and stacked columns. Text goes in through textContent
// only; colours come from the `series-N` classes in dashboard.css (the CSP allows no inline style).

const SVG_NS = 'http://www.w3.org/2000/svg';

/** How many distinct `series-N` colour classes dashboard.css defines. */
export const SERIES_COLOURS = 12;

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Colour index (taken modulo SERIES_COLOURS). */
  readonly series: number;
  /** data-testid of the value label, e.g. total-calls-answered. */
  readonly testId: string;
}

export interface StackPart {
  readonly key: string;
  readonly value: number;
  readonly series: number;
}

export interface StackedColumn {
  readonly start: Date;
  readonly parts: readonly StackPart[];
}

/** Creates an SVG element with attributes and, optionally, text content. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
  text?: string,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

export function seriesClass(series: number): string {
  return `series-${((series % SERIES_COLOURS) + SERIES_COLOURS) % SERIES_COLOURS}`;
}

const LABEL_WIDTH = 150;
const VALUE_WIDTH = 48;
const ROW_HEIGHT = 22;

/**
 * One row per bar: label, bar scaled to the largest value, value (carrying the bar's testId).
 * `width` is the container's, so text is drawn at its natural size.
 */
export function horizontalBars(bars: readonly Bar[], testId: string, width: number): SVGSVGElement {
  const height = Math.max(1, bars.length) * ROW_HEIGHT + 4;
  const chartWidth = Math.max(280, Math.round(width));
  const chart = svg('svg', {
    viewBox: `0 0 ${chartWidth} ${height}`,
    width: chartWidth,
    height,
    class: 'chart bars',
    role: 'img',
    'data-testid': testId,
  });
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const span = chartWidth - LABEL_WIDTH - VALUE_WIDTH;
  bars.forEach((bar, row) => {
    const y = row * ROW_HEIGHT + 2;
    const group = svg('g', { class: 'bar-row' });
    group.append(
      svg('title', {}, `${bar.label}: ${bar.value}`),
      svg('text', { x: LABEL_WIDTH - 8, y: y + 15, class: 'label', 'text-anchor': 'end' }, bar.label),
      svg('rect', {
        x: LABEL_WIDTH,
        y: y + 3,
        width: bar.value > 0 ? Math.max(2, (bar.value / max) * span) : 0,
        height: ROW_HEIGHT - 6,
        rx: 2,
        class: seriesClass(bar.series),
      }),
      svg(
        'text',
        { x: chartWidth - 4, y: y + 15, class: 'value', 'text-anchor': 'end', 'data-testid': bar.testId },
        String(bar.value),
      ),
    );
    chart.append(group);
  });
  return chart;
}

const COLUMN_HEIGHT = 200;
const MARGIN = { top: 10, right: 8, bottom: 22, left: 36 };

export interface StackedColumnsOptions {
  readonly testId: string;
  /** The container's width, so text is drawn at its natural size. */
  readonly width: number;
  /** data-testid of every column group. */
  readonly columnTestId: string;
  /** Label a tick under every n-th column. */
  readonly tickEvery: number;
  readonly formatTick: (start: Date) => string;
}

/**
 * One column per bucket, its parts stacked bottom-up, against a y axis rounded up to a nice
 * maximum. Each column group carries data-start (ISO) and data-total for tests and a tooltip.
 */
export function stackedColumns(
  columns: readonly StackedColumn[],
  options: StackedColumnsOptions,
): SVGSVGElement {
  const width = Math.max(320, Math.round(options.width));
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${COLUMN_HEIGHT}`,
    width,
    height: COLUMN_HEIGHT,
    class: 'chart columns',
    role: 'img',
    'data-testid': options.testId,
  });
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = COLUMN_HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = columns.map((column) => column.parts.reduce((sum, part) => sum + part.value, 0));
  const max = niceMaximum(Math.max(0, ...totals));
  const baseline = MARGIN.top + plotHeight;
  for (const fraction of [0, 0.5, 1]) {
    const y = baseline - fraction * plotHeight;
    chart.append(
      svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y, y2: y, class: 'grid' }),
      svg(
        'text',
        { x: MARGIN.left - 4, y: y + 4, class: 'axis', 'text-anchor': 'end' },
        String(max * fraction),
      ),
    );
  }
  const step = plotWidth / Math.max(1, columns.length);
  columns.forEach((column, index) => {
    const x = MARGIN.left + index * step;
    const group = svg('g', {
      'data-testid': options.columnTestId,
      'data-start': column.start.toISOString(),
      'data-total': totals[index] ?? 0,
    });
    group.append(svg('title', {}, columnTooltip(column, totals[index] ?? 0, options.formatTick)));
    let top = baseline;
    for (const part of column.parts) {
      if (part.value <= 0) continue;
      const height = (part.value / max) * plotHeight;
      top -= height;
      group.append(
        svg('rect', {
          x: x + 0.5,
          y: top,
          width: Math.max(1, step - 1),
          height,
          class: seriesClass(part.series),
        }),
      );
    }
    // A transparent full-height target so the tooltip shows over empty minutes too.
    group.append(svg('rect', { x, y: MARGIN.top, width: step, height: plotHeight, class: 'hit' }));
    chart.append(group);
    if (index % options.tickEvery === 0 && x + 40 < width) {
      chart.append(svg('text', { x, y: COLUMN_HEIGHT - 6, class: 'axis' }, options.formatTick(column.start)));
    }
  });
  return chart;
}

function columnTooltip(column: StackedColumn, total: number, format: (start: Date) => string): string {
  const parts = column.parts.filter((part) => part.value > 0).map((part) => `${part.key} ${part.value}`);
  return `${format(column.start)}: ${total} events${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/** The y-axis top: the smallest of 2, 4, 6, 8, 10 × 10^n that is at least `value` (so its half is whole). */
export function niceMaximum(value: number): number {
  if (value <= 2) return 2;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const factor of [2, 4, 6, 8]) if (factor * magnitude >= value) return factor * magnitude;
  return 10 * magnitude;
}
