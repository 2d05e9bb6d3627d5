import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { freePort } from '@allo-pipeline/testing';

// Helpers for tests that run a private 3-broker Kafka (own state folder, own ports) beside the
// shared stack: a run of consecutive free ports for its interleaved broker and controller
// ports, and the cluster's view of itself (brokers, partition leaders and in-sync replicas).

/** Ports a 3-broker stack takes from KAFKA_PORT: broker, controller, broker, controller... */
const CLUSTER_PORTS = 6;

function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive ports that were all free on 127.0.0.1 a moment ago. */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    // Below the ephemeral range (32768+), where a connect to a closed port can meet itself.
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all(Array.from({ length: count }, (_, index) => isFree(base + index)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no run of ${count} free ports found`);
}

/**
 * Environment of a private 3-broker stack: `base` with every stack port moved (Kafka's six in a
 * row, KAFKA_CONTROLLER_PORT = KAFKA_PORT + 1) and no DATABASE_URL.
 */
export async function clusterEnv(base: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...base };
  const kafka = await freePortRun(CLUSTER_PORTS);
  env.KAFKA_PORT = String(kafka);
  env.KAFKA_CONTROLLER_PORT = String(kafka + 1);
  for (const name of ['SCHEMA_REGISTRY_PORT', 'SCHEMA_REGISTRY_MANAGEMENT_PORT', 'POSTGRES_PORT']) {
    let port = await freePort();
    while (port >= kafka && port < kafka + CLUSTER_PORTS) port = await freePort();
    env[name] = String(port);
  }
  delete env.DATABASE_URL;
  delete env.STACK_STATE_DIR;
  return env;
}

/** A new state folder under /var/tmp (the embedded Postgres, if started, must reach it). */
export function clusterStateDir(prefix: string): string {
  const stateDir = mkdtempSync(`/var/tmp/${prefix}-`);
  chmodSync(stateDir, 0o755);
  return stateDir;
}

/** A kafkajs client of the comma-separated `brokers`, quiet, failing fast on a dead broker. */
export function clusterKafka(brokers: string, clientId = 'infra-cluster-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 10_000,
    // Patient enough for a killed broker's fencing (its 4 s session, longer on a loaded CI
    // machine): kafkajs's default 5 retries give up after about 9 s, failing a write that the
    // cluster would take a moment later.
    retry: { initialRetryTime: 300, retries: 10 },
  });
}

/** Runs `body` with a connected admin client, disconnected after. */
export async function withAdmin<T>(kafka: Kafka, body: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await body(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Each partition of `topic`: its leader, replicas and in-sync replicas (node ids, sorted). */
export async function partitionStates(
  admin: Admin,
  topic: string,
): Promise<Array<{ partition: number; leader: number; replicas: number[]; isr: number[] }>> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const sorted = (ids: number[]): number[] => [...ids].sort((a, b) => a - b);
  return (topics[0]?.partitions ?? [])
    .map(({ partitionId, leader, replicas, isr }) => ({
      partition: partitionId,
      leader,
      replicas: sorted(replicas),
      isr: sorted(isr),
    }))
    .sort((a, b) => a.partition - b.partition);
}
