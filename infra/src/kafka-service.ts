import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkJvmDataVersion, readDataVersion } from './data-version.js';
import { findJava } from './java-tools.js';
import { kafkaNodes, quorumVoters, recordBrokerCount, replicationSettings } from './kafka-cluster.js';
import type { BrokerCount, KafkaNode } from './kafka-cluster.js';
import { ensureKafkaJars } from './maven-artifacts.js';
import { fileHeadIncludes, isPortAnswering, runCommand } from './process-control.js';
import type { ServiceRuntime } from './service-runtime.js';
import type { PortEnvVar, StackConfig } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { serviceHome, serviceLogFile } from './state-store.js';
import type { UnitName } from './state-store.js';
import { KAFKA_VERSION, MIN_JAVA_MAJOR } from './versions.js';

const READY_LINE = 'Kafka Server started';

/**
 * server.properties of one combined broker+controller on loopback, its log kept in `dataDir`.
 * Alone (the default) it is node 1 and the only voter; in a cluster, `nodeId` and `quorumVoters`
 * place it, and `brokers` (3) sets the replication of internal and new topics.
 */
export function kafkaServerProperties(options: {
  port: number;
  controllerPort: number;
  dataDir: string;
  nodeId?: number;
  quorumVoters?: string;
  brokers?: BrokerCount;
}): string {
  const { port, controllerPort, dataDir, nodeId = 1, brokers = 1 } = options;
  const voters = options.quorumVoters ?? `1@127.0.0.1:${controllerPort}`;
  const { replicationFactor: rf, minInsyncReplicas: minIsr } = replicationSettings(brokers);
  return [
    'process.roles=broker,controller',
    `node.id=${nodeId}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    // Tests create their topics explicitly; a typo must fail, not create a topic.
    'auto.create.topics.enable=false',
    // One broker: every internal topic has one replica, or groups and transactions never start.
    // Three: every internal topic, and every acks=all write, survives one broker down.
    `offsets.topic.replication.factor=${rf}`,
    'offsets.topic.num.partitions=1',
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${minIsr}`,
    'transaction.state.log.num.partitions=1',
    `share.coordinator.state.topic.replication.factor=${rf}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    ...(brokers === 1
      ? []
      : [
          `default.replication.factor=${rf}`,
          `min.insync.replicas=${minIsr}`,
          // A killed broker is fenced (its partitions led elsewhere, dropped from every ISR) after
          // 4 s instead of 9: acks=all writes stall that long. A live broker fenced by a stall
          // (GC, a busy machine) rejoins at its next heartbeat.
          'broker.heartbeat.interval.ms=1000',
          'broker.session.timeout.ms=4000',
        ]),
    // Consumer groups form at once instead of after the default 3 s.
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

const LOG4J2_PROPERTIES = [
  'status = warn',
  'appender.console.type = Console',
  'appender.console.name = STDOUT',
  'appender.console.layout.type = PatternLayout',
  'appender.console.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.stdout.ref = STDOUT',
  'logger.state.name = state.change.logger',
  'logger.state.level = WARN',
  '',
].join('\n');

/** A KRaft cluster id: 16 random bytes, base64url (22 characters), never starting with '-'. */
export function newKafkaClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Where one node keeps its configuration and log: the kafka folder alone, kafka/node-<id> in a cluster. */
function kafkaPaths(config: StackConfig, nodeId: number) {
  const kafkaHome = serviceHome(config.stateDir, 'kafka');
  const home = config.kafkaBrokers === 1 ? kafkaHome : join(kafkaHome, `node-${nodeId}`);
  return {
    kafkaHome,
    home,
    dataDir: join(home, 'data'),
    serverProperties: join(home, 'server.properties'),
    log4jProperties: join(home, 'log4j2.properties'),
    // One cluster id for every node, kept beside their folders.
    clusterIdFile: join(kafkaHome, 'cluster-id'),
  };
}

/**
 * The record and log name of node `nodeId`: `kafka` for a single broker (as before clusters),
 * `kafka-<id>` in a cluster.
 */
export function kafkaUnit(config: StackConfig, nodeId: number): UnitName {
  return config.kafkaBrokers === 1 ? 'kafka' : `kafka-${nodeId}`;
}

/** The configured Kafka nodes (ports checked against each other and the other servers'). */
export function configuredKafkaNodes(config: StackConfig): KafkaNode[] {
  const { KAFKA_PORT, KAFKA_CONTROLLER_PORT, ...others } = config.ports;
  const otherPorts = Object.entries(others).map(([envVar, port]) => ({ envVar: envVar as PortEnvVar, port }));
  return kafkaNodes(config.kafkaBrokers, { KAFKA_PORT, KAFKA_CONTROLLER_PORT }, otherPorts);
}

/**
 * Refuses (StackVersionError) to run an older broker on data a newer one wrote; says so when the
 * pinned version upgrades the data in place, or when existing data has no version record. Every
 * node of a cluster runs the same version, so one record (kafka/stack-version.json) serves all.
 */
function checkDataVersion(config: StackConfig, nodeId: number): void {
  const { dataDir } = kafkaPaths(config, nodeId);
  if (!existsSync(join(dataDir, 'meta.properties'))) return;
  const recorded = readDataVersion(config.stateDir, 'kafka');
  const line = checkJvmDataVersion('kafka', recorded, KAFKA_VERSION, `the log in ${dataDir}`);
  if (line) config.progress(line);
  if (recorded === undefined)
    config.progress(`kafka: keeping the log in ${dataDir} (no version recorded yet)`);
}

/** Formats the node's KRaft storage once; the cluster id is kept beside the data folders. */
async function formatStorageOnce(
  config: StackConfig,
  nodeId: number,
  javaBin: string,
  libDir: string,
): Promise<void> {
  const paths = kafkaPaths(config, nodeId);
  if (existsSync(join(paths.dataDir, 'meta.properties'))) return;
  // Synchronous from the check to the write: the nodes of a cluster prepare concurrently and
  // must all read the one id the first wrote.
  if (!existsSync(paths.clusterIdFile)) writeFileSync(paths.clusterIdFile, `${newKafkaClusterId()}\n`);
  const clusterId = readFileSync(paths.clusterIdFile, 'utf8').trim();
  config.progress(`${kafkaUnit(config, nodeId)}: formatting storage in ${paths.dataDir}`);
  const args = [
    `-Dlog4j2.configurationFile=${paths.log4jProperties}`,
    '-cp',
    join(libDir, '*'),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    paths.serverProperties,
    '--ignore-formatted',
  ];
  const { code, output } = await runCommand(javaBin, args, { cwd: paths.home });
  if (code !== 0) {
    throw new StackError(`kafka: formatting storage failed:\n${output.split('\n').slice(-30).join('\n')}`);
  }
}

/** One fetch of the jars per cache folder, shared by the nodes of a cluster preparing at once. */
const jarFetches = new Map<string, Promise<string>>();

function kafkaJars(config: StackConfig): Promise<string> {
  let fetch = jarFetches.get(config.cacheDir);
  if (!fetch) {
    fetch = ensureKafkaJars(config);
    jarFetches.set(config.cacheDir, fetch);
    fetch.catch(() => jarFetches.delete(config.cacheDir));
  }
  return fetch;
}

/** The runtime of one Kafka node: `nodeId` 1 alone, or one of a cluster's. */
export function kafkaNodeRuntime(nodeId: number): ServiceRuntime {
  const node = (config: StackConfig): KafkaNode => {
    const found = configuredKafkaNodes(config).find((each) => each.nodeId === nodeId);
    if (!found)
      throw new StackError(`kafka: there is no node ${nodeId} in a ${config.kafkaBrokers}-broker stack`);
    return found;
  };
  return {
    name: 'kafka',
    unitFor: (config) => kafkaUnit(config, nodeId),
    readyTimeoutMs: 90_000,
    stopSignal: 'SIGTERM',
    ports: (config) => [
      { envVar: 'KAFKA_PORT', port: node(config).port },
      { envVar: 'KAFKA_CONTROLLER_PORT', port: node(config).controllerPort },
    ],
    marker: (config) => kafkaPaths(config, nodeId).serverProperties,
    async prepare(config) {
      const { port, controllerPort } = node(config);
      checkDataVersion(config, nodeId);
      const java = findJava(MIN_JAVA_MAJOR.kafka, 'Apache Kafka', config.env);
      const libDir = await kafkaJars(config);
      const paths = kafkaPaths(config, nodeId);
      mkdirSync(paths.dataDir, { recursive: true });
      recordBrokerCount(paths.kafkaHome, config.kafkaBrokers);
      writeFileSync(
        paths.serverProperties,
        config.kafkaBrokers === 1
          ? kafkaServerProperties({ port, controllerPort, dataDir: paths.dataDir })
          : kafkaServerProperties({
              port,
              controllerPort,
              dataDir: paths.dataDir,
              nodeId,
              quorumVoters: quorumVoters(configuredKafkaNodes(config)),
              brokers: config.kafkaBrokers,
            }),
      );
      writeFileSync(paths.log4jProperties, LOG4J2_PROPERTIES);
      await formatStorageOnce(config, nodeId, java.javaBin, libDir);
      const jvmOptions = [
        '-Xms256m',
        '-Xmx512m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
      ];
      return {
        command: java.javaBin,
        args: [
          ...jvmOptions,
          `-Dlog4j2.configurationFile=${paths.log4jProperties}`,
          `-Dkafka.logs.dir=${paths.home}`,
          '-cp',
          join(libDir, '*'),
          'kafka.Kafka',
          paths.serverProperties,
        ],
        cwd: paths.home,
        version: KAFKA_VERSION,
      };
    },
    async isReady(config) {
      if (!(await isPortAnswering(node(config).port))) return false;
      return fileHeadIncludes(serviceLogFile(config.stateDir, kafkaUnit(config, nodeId)), READY_LINE);
    },
  };
}

/** The runtimes of every configured Kafka node (one, or a cluster's three). */
export function kafkaRuntimes(config: StackConfig): ServiceRuntime[] {
  return configuredKafkaNodes(config).map(({ nodeId }) => kafkaNodeRuntime(nodeId));
}

/** The single broker's runtime (node 1 of a one-broker stack). */
export const kafkaService: ServiceRuntime = kafkaNodeRuntime(1);
