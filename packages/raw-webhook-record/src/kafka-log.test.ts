import { describe, expect, it } from '@jest/globals';
import { logLevel } from 'kafkajs';
import {
  consumerCrashLevel,
  isStartUpTransient,
  kafkaLogLevel,
  restartUnlessStopped,
  START_UP_MS,
} from './kafka-log.js';

const early = 5_000;
const late = START_UP_MS + 1;

describe('kafkaLogLevel', () => {
  it('keeps real errors and warnings as they are', () => {
    expect(kafkaLogLevel(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', {}, early)).toBe('error');
    expect(kafkaLogLevel(logLevel.ERROR, 'Offset out of range, resetting to default offset', {}, early)).toBe(
      'error',
    );
    const refused = { error: 'Connection refused' };
    expect(kafkaLogLevel(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', refused, early)).toBe(
      'error',
    );
    expect(kafkaLogLevel(logLevel.WARN, 'The group is rebalancing, re-joining', {}, early)).toBe('warn');
    expect(kafkaLogLevel(logLevel.INFO, 'Consumer has joined the group', {}, early)).toBe('debug');
  });

  it('sends the known-benign start-up messages to debug', () => {
    const notice = 'KafkaJS v2.0.0 switched default partitioner. To retain the same partitioning …';
    expect(kafkaLogLevel(logLevel.WARN, notice, {}, late)).toBe('debug');
    const exists = { error: 'Topic creation errors' };
    expect(kafkaLogLevel(logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)', exists, late)).toBe(
      'debug',
    );
    for (const error of [
      'The group coordinator is not available',
      "The coordinator is loading and hence can't process requests",
    ]) {
      expect(
        kafkaLogLevel(logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)', { error }, early),
      ).toBe('debug');
    }
  });

  it('sends the retried start-up errors and the idempotent-retries notice to debug', () => {
    const unknown = { error: 'This server does not host this topic-partition' };
    expect(kafkaLogLevel(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', unknown, early)).toBe(
      'debug',
    );
    expect(kafkaLogLevel(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', unknown, late)).toBe(
      'warn',
    );
    expect(kafkaLogLevel(logLevel.ERROR, 'Restarting the consumer in 300ms', {}, early)).toBe('debug');
    expect(kafkaLogLevel(logLevel.ERROR, 'Restarting the consumer in 300ms', {}, late)).toBe('warn');
    const notice = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';
    expect(kafkaLogLevel(logLevel.WARN, notice, {}, late)).toBe('debug');
  });

  it('sends the retried concurrent-transactions errors to debug, at any time', () => {
    // Seen on CI from the analytics stream under `npm start -- --demo`: the two lines kafkajs logs
    // before it retries, when a transaction starts while the last one's markers are being written.
    const error =
      'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
    expect(
      kafkaLogLevel(logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)', { error }, late),
    ).toBe('debug');
    expect(kafkaLogLevel(logLevel.ERROR, `Failed to send messages: ${error}`, { retryCount: 0 }, late)).toBe(
      'debug',
    );
    expect(kafkaLogLevel(logLevel.ERROR, 'Failed to send messages: Connection refused', {}, late)).toBe(
      'error',
    );
  });

  it('warns of a coordinator still away after start-up', () => {
    const error = 'The group coordinator is not available';
    expect(
      kafkaLogLevel(logLevel.ERROR, 'Response FindCoordinator(key: 10, version: 2)', { error }, late),
    ).toBe('warn');
  });
});

describe('isStartUpTransient', () => {
  it('knows the coordinator loading during start-up only', () => {
    const loading = "The coordinator is loading and hence can't process requests for this group";
    expect(isStartUpTransient(loading, early)).toBe(true);
    expect(isStartUpTransient(loading, late)).toBe(false);
    expect(isStartUpTransient('Connection error: ECONNREFUSED', early)).toBe(false);
  });
});

describe('consumerCrashLevel', () => {
  const loading = "The coordinator is loading and hence can't process requests for this group";
  it('keeps a restarted crash on a start-up transient out of the warnings, early only', () => {
    expect(consumerCrashLevel(loading, true, early)).toBe('debug');
    expect(consumerCrashLevel(loading, true, late)).toBe('error');
  });
  it('reports a crash kafkajs does not restart from, or an unknown one, as an error', () => {
    expect(consumerCrashLevel(loading, false, early)).toBe('error');
    expect(consumerCrashLevel('Connection error: ECONNREFUSED', true, early)).toBe('error');
  });
});

describe('restartUnlessStopped', () => {
  it('lets kafkajs restart a crashed consumer while running, never once stopped', async () => {
    let running = true;
    const retry = restartUnlessStopped(undefined, () => running);
    expect(retry.retries).toBe(5);
    expect(await retry.restartOnFailure?.(new Error('crash'))).toBe(true);
    running = false;
    expect(await retry.restartOnFailure?.(new Error('crash'))).toBe(false);
  });
  it('keeps the retry settings it is given', () => {
    expect(restartUnlessStopped({ retries: 2, initialRetryTime: 50 }, () => true)).toMatchObject({
      retries: 2,
      initialRetryTime: 50,
    });
  });
});
