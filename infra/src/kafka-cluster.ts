import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PortEnvVar } from './stack-config.js';
import { StackConfigError } from './stack-errors.js';

// The shape of the local Kafka: one combined broker+controller (the default), or a cluster of
// three such nodes on loopback (`npm run stack -- up --brokers 3`). Pure layout rules, plus the
// small record that keeps the count in the state folder: a log formatted for one node cannot be
// opened as a three-node cluster, nor the other way round.

/** Broker counts the stack runs: one node, or three (a quorum that survives losing any one). */
export const BROKER_COUNTS = [1, 3] as const;
export type BrokerCount = (typeof BROKER_COUNTS)[number];

/** Ports between one node and the next: each node takes a broker port and a controller port. */
export const NODE_PORT_STRIDE = 2;

/** One Kafka node of the local stack: its KRaft node id (1-based) and its two ports. */
export interface KafkaNode {
  readonly nodeId: number;
  /** The PLAINTEXT listener clients use: KAFKA_PORT + 2 × (nodeId − 1). */
  readonly port: number;
  /** The KRaft CONTROLLER listener: KAFKA_CONTROLLER_PORT + 2 × (nodeId − 1). */
  readonly controllerPort: number;
}

/** Replication of internal and new topics for a cluster of `brokers` (none named for one broker). */
export interface ReplicationSettings {
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
}

/** RF 3 with min.insync 2 on three brokers (an acks=all write survives one broker down); 1/1 on one. */
export function replicationSettings(brokers: BrokerCount): ReplicationSettings {
  return brokers === 1
    ? { replicationFactor: 1, minInsyncReplicas: 1 }
    : { replicationFactor: 3, minInsyncReplicas: 2 };
}

/** Parses a broker count (`--brokers`); throws StackConfigError naming `source` otherwise. */
export function parseBrokerCount(raw: string, source: string): BrokerCount {
  const count = Number(raw);
  if (!(BROKER_COUNTS as readonly number[]).includes(count)) {
    throw new StackConfigError(
      `${source}=${raw} is not a broker count the stack runs: use ${BROKER_COUNTS.join(' or ')}`,
    );
  }
  return count as BrokerCount;
}

/**
 * The nodes of a cluster of `brokers`: node i listens on KAFKA_PORT + 2(i−1) and controls on
 * KAFKA_CONTROLLER_PORT + 2(i−1), so the defaults 19092/19093 give 19092..19097 interleaved.
 * With several nodes, throws StackConfigError when a port leaves 1-65535 or two ports coincide
 * (with each other or with `otherPorts`, the registry's and Postgres's).
 */
export function kafkaNodes(
  brokers: BrokerCount,
  ports: { readonly KAFKA_PORT: number; readonly KAFKA_CONTROLLER_PORT: number },
  otherPorts: ReadonlyArray<{ envVar: PortEnvVar; port: number }> = [],
): KafkaNode[] {
  const nodes = Array.from({ length: brokers }, (_, index) => ({
    nodeId: index + 1,
    port: ports.KAFKA_PORT + NODE_PORT_STRIDE * index,
    controllerPort: ports.KAFKA_CONTROLLER_PORT + NODE_PORT_STRIDE * index,
  }));
  if (brokers === 1) return nodes;
  const owners = new Map<number, string>(otherPorts.map(({ envVar, port }) => [port, envVar]));
  for (const node of nodes) {
    for (const [what, port] of [
      [`broker port of node ${node.nodeId} (KAFKA_PORT+${node.port - ports.KAFKA_PORT})`, node.port],
      [
        `controller port of node ${node.nodeId} (KAFKA_CONTROLLER_PORT+${node.controllerPort - ports.KAFKA_CONTROLLER_PORT})`,
        node.controllerPort,
      ],
    ] as const) {
      if (port > 65535) throw new StackConfigError(`${what} would be ${port}, above 65535: lower it`);
      const owner = owners.get(port);
      if (owner !== undefined) {
        throw new StackConfigError(
          `${what} would be ${port}, already taken by ${owner}. A ${brokers}-broker cluster uses ` +
            `KAFKA_PORT, KAFKA_PORT+2, KAFKA_PORT+4 for brokers and KAFKA_CONTROLLER_PORT (+2, +4) for controllers: ` +
            `move KAFKA_PORT or KAFKA_CONTROLLER_PORT`,
        );
      }
      owners.set(port, what);
    }
  }
  return nodes;
}

/** controller.quorum.voters for `nodes`: every node votes (combined broker+controller). */
export function quorumVoters(nodes: readonly KafkaNode[]): string {
  return nodes.map((node) => `${node.nodeId}@127.0.0.1:${node.controllerPort}`).join(',');
}

/** Where the broker count of the stack's Kafka data is kept (deleted with it by `reset kafka`). */
export function brokerCountFile(kafkaHome: string): string {
  return join(kafkaHome, 'brokers.json');
}

/**
 * The broker count the data in `kafkaHome` was formatted for: the record, else 1 when a
 * single-node log exists (folders from before the record), else undefined (no data yet).
 */
export function recordedBrokerCount(kafkaHome: string): BrokerCount | undefined {
  const file = brokerCountFile(kafkaHome);
  if (existsSync(file)) {
    let brokers: unknown;
    try {
      ({ brokers } = JSON.parse(readFileSync(file, 'utf8')) as { brokers?: unknown });
    } catch {
      throw new StackConfigError(
        `${file} is not readable JSON: restore {"brokers": 1 or 3} as the log was made`,
      );
    }
    return parseBrokerCount(String(brokers), `brokers in ${file}`);
  }
  return existsSync(join(kafkaHome, 'data', 'meta.properties')) ? 1 : undefined;
}

export function recordBrokerCount(kafkaHome: string, brokers: BrokerCount): void {
  mkdirSync(kafkaHome, { recursive: true });
  writeFileSync(brokerCountFile(kafkaHome), `${JSON.stringify({ brokers }, null, 2)}\n`);
}

/**
 * The broker count to run: the one asked for, checked against the data's; else the data's; else 1.
 * A count other than the data's is a StackConfigError: the log would not fit.
 */
export function chooseBrokerCount(
  asked: BrokerCount | undefined,
  recorded: BrokerCount | undefined,
  stateDir: string,
): BrokerCount {
  if (asked === undefined || recorded === undefined || asked === recorded) return asked ?? recorded ?? 1;
  throw new StackConfigError(
    `the state folder ${stateDir} holds the log of a ${recorded}-broker Kafka; --brokers ${asked} ` +
      `cannot run on it (partitions, replicas and the controller quorum are in that data). Run without ` +
      `--brokers (or --brokers ${recorded}), use another STACK_STATE_DIR, or delete the log with ` +
      `\`npm run stack -- reset kafka\` (every stored webhook is lost) and then \`up --brokers ${asked}\`.`,
  );
}
