import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { uniqueName } from './unique-name.js';

export interface CollectedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

export interface TopicCollector {
  /** Everything received so far, in arrival order (per partition: offset order). */
  readonly messages: CollectedMessage[];
  /** Resolves once `check(messages)` holds; throws naming `what` after `timeoutMs`. */
  until(
    what: string,
    check: (messages: readonly CollectedMessage[]) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads `topics` from their beginning with a consumer group of its own, read_committed (what an
 * analytics sink sees) unless `readUncommitted`, collecting every message; `onMessage` sees each
 * one as it arrives (e.g. to kill a process when an uncommitted record shows up).
 */
export async function collectTopics(
  kafka: Kafka,
  topics: readonly string[],
  options: { readUncommitted?: boolean; onMessage?: (message: CollectedMessage) => void } = {},
): Promise<TopicCollector> {
  const consumer: Consumer = kafka.consumer({
    groupId: uniqueName('collector'),
    readUncommitted: options.readUncommitted ?? false,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  const messages: CollectedMessage[] = [];
  await consumer.run({
    eachMessage: ({ topic, partition, message }) => {
      const collected = { topic, partition, message };
      messages.push(collected);
      options.onMessage?.(collected);
      return Promise.resolve();
    },
  });
  return {
    messages,
    async until(what, check, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check(messages)) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out after ${timeoutMs} ms waiting for ${what} (${messages.length} messages)`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stop: () => consumer.disconnect(),
  };
}
