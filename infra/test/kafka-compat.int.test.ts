import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Consumer, EachMessagePayload, Producer } from 'kafkajs';

// Checks that kafkajs 2.2.4 works against the broker version in infra/src/versions.ts.
// Group timings are short so joins and rebalances take well under a second. kafkajs only notices
// a rebalance between fetches, so maxWaitTimeInMs must stay far below rebalanceTimeout, or the
// busy member misses the rejoin window and the group ping-pongs.
const TEST_TIMEOUT_MS = 30_000;
const GROUP_TIMINGS = {
  sessionTimeout: 6_000,
  rebalanceTimeout: 6_000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 250,
};

const kafka = new Kafka({
  clientId: 'infra-kafka-compat',
  brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
  logLevel: logLevel.NOTHING,
});
const suffix = randomUUID().slice(0, 8);
const topics = {
  created: `compat-created-${suffix}`,
  log: `compat-log-${suffix}`,
  group: `compat-group-${suffix}`,
  tx: `compat-tx-${suffix}`,
};
const admin = kafka.admin();
const consumers: Consumer[] = [];
let producer: Producer;

function newConsumer(groupId: string, options: { readUncommitted?: boolean } = {}): Consumer {
  const consumer = kafka.consumer({ groupId: `${groupId}-${suffix}`, ...GROUP_TIMINGS, ...options });
  consumers.push(consumer);
  return consumer;
}

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a consumer on `topic` from the beginning, collecting what it reads. */
async function consume(consumer: Consumer, topic: string): Promise<EachMessagePayload[]> {
  const received: EachMessagePayload[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: (payload) => {
      received.push(payload);
      return Promise.resolve();
    },
  });
  return received;
}

beforeAll(async () => {
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.log, numPartitions: 2 },
      { topic: topics.group, numPartitions: 4 },
      { topic: topics.tx, numPartitions: 1 },
    ],
  });
  producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(consumers.map((consumer) => consumer.disconnect()));
  await producer.disconnect();
  await admin.deleteTopics({ topics: Object.values(topics) });
  await admin.disconnect();
}, TEST_TIMEOUT_MS);

describe('kafkajs against the local broker', () => {
  it(
    'admin createTopics creates a topic whose partitions all have a leader',
    async () => {
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: topics.created, numPartitions: 3 }],
      });
      const metadata = await admin.fetchTopicMetadata({ topics: [topics.created] });

      expect(created).toBe(true);
      expect(metadata.topics[0]?.partitions.map((partition) => partition.leader >= 0)).toEqual([
        true,
        true,
        true,
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'an idempotent producer (acks -1) writes and a consumer group reads everything in order',
    async () => {
      const values = Array.from({ length: 20 }, (_, index) => `event-${index}`);
      for (const value of values) {
        await producer.send({ topic: topics.log, acks: -1, messages: [{ key: 'call-1', value }] });
      }
      const received = await consume(newConsumer('log-readers'), topics.log);
      await waitFor(() => received.length >= values.length);

      expect(received.map(({ message }) => message.value?.toString())).toEqual(values);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a second consumer joining the group causes a rebalance and both keep consuming',
    async () => {
      const first = newConsumer('rebalancers');
      const second = newConsumer('rebalancers');
      const assignments = new Map<Consumer, number[]>();
      for (const consumer of [first, second]) {
        consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
          assignments.set(consumer, payload.memberAssignment[topics.group] ?? []);
        });
      }
      const readByFirst = await consume(first, topics.group);
      await waitFor(() => assignments.get(first)?.length === 4);
      const readBySecond = await consume(second, topics.group);
      await waitFor(() => assignments.get(first)?.length === 2 && assignments.get(second)?.length === 2);
      const messages = [0, 1, 2, 3].map((partition) => ({
        partition,
        value: `after-rebalance-${partition}`,
      }));
      await producer.send({ topic: topics.group, acks: -1, messages });
      await waitFor(() => readByFirst.length + readBySecond.length >= 4);

      expect(readByFirst.length).toBe(2);
      expect(readBySecond.length).toBe(2);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'commits offsets, reads them back, and seeks to an offset',
    async () => {
      const consumer = newConsumer('seekers');
      const received = await consume(consumer, topics.log);
      await waitFor(() => received.length >= 20);
      const partition = received[0]?.partition ?? 0;
      await consumer.commitOffsets([{ topic: topics.log, partition, offset: '5' }]);
      const committed = await admin.fetchOffsets({ groupId: `seekers-${suffix}`, topics: [topics.log] });
      const before = received.length;
      consumer.seek({ topic: topics.log, partition, offset: '17' });
      await waitFor(() => received.length >= before + 3);

      expect(committed[0]?.partitions.find((entry) => entry.partition === partition)?.offset).toBe('5');
      expect(received.slice(before).map(({ message }) => message.offset)).toEqual(['17', '18', '19']);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'finds offsets by timestamp (fetchTopicOffsetsByTimestamp) and seeks there',
    async () => {
      const base = Date.now() - 60_000;
      const messages = Array.from({ length: 10 }, (_, index) => ({
        value: `t${index}`,
        timestamp: String(base + index * 1_000),
      }));
      await producer.send({
        topic: topics.created,
        acks: -1,
        messages: messages.map((message) => ({ ...message, partition: 1 })),
      });
      const offsets = await admin.fetchTopicOffsetsByTimestamp(topics.created, base + 6_000);
      const consumer = newConsumer('time-travellers');
      const received = await consume(consumer, topics.created);
      await waitFor(() => received.length >= 10);
      const before = received.length;
      consumer.seek({
        topic: topics.created,
        partition: 1,
        offset: offsets.find((entry) => entry.partition === 1)?.offset ?? '-1',
      });
      await waitFor(() => received.length >= before + 4);

      expect(offsets.find((entry) => entry.partition === 1)?.offset).toBe('6');
      expect(received.slice(before).map(({ message }) => message.value?.toString())).toEqual([
        't6',
        't7',
        't8',
        't9',
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows a committed transaction and hides an aborted one from a read_committed consumer',
    async () => {
      const transactional = kafka.producer({
        transactionalId: `compat-tx-${suffix}`,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await transactional.connect();
      try {
        const committed = await transactional.transaction();
        await committed.send({
          topic: topics.tx,
          messages: [{ value: 'committed-1' }, { value: 'committed-2' }],
        });
        await committed.commit();
        const aborted = await transactional.transaction();
        await aborted.send({ topic: topics.tx, messages: [{ value: 'aborted' }] });
        await aborted.abort();
        const last = await transactional.transaction();
        await last.send({ topic: topics.tx, messages: [{ value: 'committed-3' }] });
        await last.commit();
      } finally {
        await transactional.disconnect();
      }
      const received = await consume(newConsumer('tx-readers', { readUncommitted: false }), topics.tx);
      await waitFor(() => received.length >= 3);
      await new Promise((resolve) => setTimeout(resolve, 500));

      expect(received.map(({ message }) => message.value?.toString())).toEqual([
        'committed-1',
        'committed-2',
        'committed-3',
      ]);
    },
    TEST_TIMEOUT_MS,
  );
});
