/** Counts of one `deliverEvents` run. "Events" are distinct webhook-ids; attempts are HTTP requests. */
export interface DeliveryReport {
  /** Distinct events handed in. */
  events: number;
  /** Distinct events sent at least once. */
  sent: number;
  /** Distinct events acknowledged with a 2xx (each reported once through `onAck`). */
  acknowledged: number;
  /** Distinct events that failed all 8 attempts. */
  failed: number;
  /** Their webhook-ids, in the order they failed. */
  failedIds: string[];
  /** Attempts after the first of a delivery (retries), duplicates included. */
  retried: number;
  /** HTTP requests made in total. */
  attempts: number;
  /** Re-deliveries of already acknowledged events (same webhook-id and body). */
  duplicatesSent: number;
  duplicatesAcknowledged: number;
  /** Failed attempts by cause: non-2xx status, no status within the timeout, socket error. */
  attemptFailures: { status: number; timeout: number; connection: number };
  /** Wall time of the run on the injected clock. */
  elapsedMs: number;
  /** Acknowledged deliveries (duplicates included) per second of `elapsedMs`. */
  deliveriesPerSecond: number;
}

export function createEmptyReport(events: number): DeliveryReport {
  return {
    events,
    sent: 0,
    acknowledged: 0,
    failed: 0,
    failedIds: [],
    retried: 0,
    attempts: 0,
    duplicatesSent: 0,
    duplicatesAcknowledged: 0,
    attemptFailures: { status: 0, timeout: 0, connection: 0 },
    elapsedMs: 0,
    deliveriesPerSecond: 0,
  };
}
