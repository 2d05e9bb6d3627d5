/** One event of a simulated history before it is wrapped in an envelope and given a webhook-id. */
export interface TimedEvent {
  readonly topic: string;
  /** When Allo emits it (ms since epoch); becomes the envelope `timestamp`. */
  readonly at: number;
  readonly data: Record<string, unknown>;
}

/** The simulated period: events occur within [start, start + spanMs). */
export interface Timeline {
  readonly start: number;
  readonly spanMs: number;
}

/** ISO 8601 UTC with milliseconds, the format of every payload time in Allo's examples. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** ISO 8601 with 6 fraction digits (`…45.123456Z`), the other envelope format Allo's docs show. */
export function isoTimeMicros(ms: number, micros: number): string {
  return `${isoTime(ms).slice(0, -1)}${String(micros % 1000).padStart(3, '0')}Z`;
}
