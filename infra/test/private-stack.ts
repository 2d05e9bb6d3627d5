import { freePort } from '@allo-pipeline/testing';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

// Helpers for tests that run a private stack (own state folder, own free ports) beside the
// shared one, and probe its data with real clients.

export { freePort };

/** process.env with every stack port moved to a free one and no DATABASE_URL. */
export async function privateEnv(): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'KAFKA_PORT',
    'KAFKA_CONTROLLER_PORT',
    'SCHEMA_REGISTRY_PORT',
    'SCHEMA_REGISTRY_MANAGEMENT_PORT',
    'POSTGRES_PORT',
  ]) {
    env[name] = String(await freePort());
  }
  delete env.DATABASE_URL;
  return env;
}

function kafkaClient(brokers: string): Kafka {
  return new Kafka({ clientId: 'infra-stack-manager-test', brokers: [brokers], logLevel: logLevel.NOTHING });
}

/** Creates `topic` and appends one record with acks=all; resolves with its offset. */
export async function produceOne(brokers: string, topic: string, value: string): Promise<string> {
  const kafka = kafkaClient(brokers);
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    const [result] = await producer.send({ topic, acks: -1, messages: [{ key: 'probe', value }] });
    return result?.baseOffset ?? 'none';
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}

/** Reads `topic` from its start until it has one record; resolves with its offset and value. */
export async function readFirst(brokers: string, topic: string): Promise<{ offset: string; value: string }> {
  const consumer = kafkaClient(brokers).consumer({
    groupId: `probe-${topic}-${Date.now()}`,
    sessionTimeout: 6_000,
    rebalanceTimeout: 6_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 250,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no record in ${topic} within 30 s`)), 30_000);
      void consumer.run({
        eachMessage: ({ message }) => {
          clearTimeout(timer);
          resolve({ offset: message.offset, value: message.value?.toString() ?? '' });
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

/** Runs one query on a fresh connection. */
export async function query<Row extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Registers a JSON schema under `subject` through the Confluent API; resolves with its id. */
export async function registerSchema(registryUrl: string, subject: string, schema: object): Promise<number> {
  const response = await fetch(`${registryUrl}/subjects/${subject}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'JSON', schema: JSON.stringify(schema) }),
  });
  if (!response.ok) throw new Error(`register ${subject}: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: number }).id;
}

/** The schema text stored under `id`, or the HTTP status when there is none. */
export async function schemaById(registryUrl: string, id: number): Promise<string | number> {
  const response = await fetch(`${registryUrl}/schemas/ids/${id}`);
  if (!response.ok) return response.status;
  return ((await response.json()) as { schema: string }).schema;
}
