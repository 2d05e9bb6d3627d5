import { logLevel, type logCreator, type RetryOptions } from 'kafkajs';
import type { Logger } from 'pino';

// kafkajs logs into pino. kafkajs reports at ERROR some conditions that it retries by itself and
// that every normal start-up goes through; a new user reads those as failures, so they go to
// debug. Which ones, and why each is benign:
// - the partitioner notice: a one-time migration hint, not about this run;
// - a CreateTopics response with "Topic creation errors": kafkajs answers "already exists" with
//   `false` and throws anything else to the caller, which reports it;
// - "Limiting retries for the idempotent producer": the gateway bounds retries on purpose (it
//   answers 503 within Allo's 20 s, and Allo retries; projections dedup by webhook-id);
// - during the first START_UP_MS of the client only, after which they are warnings (what stays
//   away is real): the group coordinator not available / loading / moved (the broker is still
//   loading its offsets topic), "This server does not host this topic-partition" (a topic just
//   created, metadata not yet everywhere), and kafkajs's "Restarting the consumer" after such a
//   retriable error. kafkajs retries all of them.
// - at any time, CONCURRENT_TRANSACTIONS ("…while another concurrent operation on the same
//   transaction was ongoing"): the transaction coordinator is still writing the markers of the
//   previous transaction, which a transactional producer committing back to back (the analytics
//   stream) meets in normal running; the broker expects the client to retry, and kafkajs does
//   (its request log and its "Failed to send messages" retry line). If the retries run out, the
//   send throws to the caller, which reports it.
// Everything else keeps its level: errors stay errors.

export const START_UP_MS = 60_000;
export type PinoLevel = 'error' | 'warn' | 'info' | 'debug';

const NOTICES = [
  'KafkaJS v2.0.0 switched default partitioner',
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
];
const CONCURRENT_TRANSACTIONS =
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
const START_UP_TRANSIENT = [
  'The group coordinator is not available',
  "The coordinator is loading and hence can't process requests",
  'This is not the correct coordinator for this group',
  'This server does not host this topic-partition',
];

/** Whether an error (message) is one kafkajs retries that a normal start-up goes through. */
export function isStartUpTransient(text: string, uptimeMs: number): boolean {
  return uptimeMs < START_UP_MS && START_UP_TRANSIENT.some((known) => text.includes(known));
}

/**
 * The level of a consumer's "consumer crashed" line, `uptimeMs` after it started: debug when
 * kafkajs restarts it after a start-up transient (a coordinator still loading on a cold start),
 * error otherwise — a crash it does not restart from, or one that is not a known start-up case.
 */
export function consumerCrashLevel(message: string, restart: boolean, uptimeMs: number): 'debug' | 'error' {
  return restart && isStartUpTransient(message, uptimeMs) ? 'debug' : 'error';
}

/**
 * A consumer's retry options (kafkajs's consumer default of 5 retries, then `retry`) with no
 * restart once `running()` is false. kafkajs arms its restart timer only after the crashed
 * consumer's own disconnect, so a crash while consumer.disconnect() runs would otherwise start the
 * consumer again after the stop: a consumer nobody owns, reconnecting every second once its
 * brokers are gone (found holding a jest run open after a private Kafka was torn down).
 */
export function restartUnlessStopped(retry: RetryOptions | undefined, running: () => boolean): RetryOptions {
  return { retries: 5, ...retry, restartOnFailure: () => Promise.resolve(running()) };
}

/** The pino level for one kafkajs log entry, `uptimeMs` after the client's logger was made. */
export function kafkaLogLevel(
  level: logLevel,
  message: string,
  extra: Readonly<Record<string, unknown>>,
  uptimeMs: number,
): PinoLevel {
  const nominal: PinoLevel =
    level === logLevel.NOTHING || level <= logLevel.ERROR
      ? 'error'
      : level === logLevel.WARN
        ? 'warn'
        : 'debug';
  if (nominal === 'debug') return nominal;
  if (NOTICES.some((notice) => message.startsWith(notice))) return 'debug';
  const error = typeof extra.error === 'string' ? extra.error : '';
  if (message.startsWith('Response CreateTopics') && error === 'Topic creation errors') return 'debug';
  if (error.includes(CONCURRENT_TRANSACTIONS) || message.includes(CONCURRENT_TRANSACTIONS)) return 'debug';
  const transient = START_UP_TRANSIENT.some((text) => error.includes(text) || message.includes(text));
  if (transient || message.startsWith('Restarting the consumer in')) {
    return uptimeMs < START_UP_MS ? 'debug' : 'warn';
  }
  return nominal;
}

/** Routes kafkajs logs into pino at the level kafkaLogLevel gives. */
export function kafkaLogToPino(logger: Logger, now: () => number = Date.now): logCreator {
  const createdAt = now();
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      const target = kafkaLogLevel(level, message, extra, now() - createdAt);
      logger[target]({ kafka: extra }, message);
    };
}
