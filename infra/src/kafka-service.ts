import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkJvmDataVersion, readDataVersion } from './data-version.js';
import { findJava } from './java-tools.js';
import { ensureKafkaJars } from './maven-artifacts.js';
import { fileHeadIncludes, isPortAnswering, runCommand } from './process-control.js';
import type { ServiceRuntime } from './service-runtime.js';
import type { StackConfig } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { serviceHome, serviceLogFile } from './state-store.js';
import { KAFKA_VERSION, MIN_JAVA_MAJOR } from './versions.js';

const READY_LINE = 'Kafka Server started';

/** server.properties of one combined broker+controller on loopback, its log kept in `dataDir`. */
export function kafkaServerProperties(options: {
  port: number;
  controllerPort: number;
  dataDir: string;
}): string {
  const { port, controllerPort, dataDir } = options;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
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
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
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

function kafkaPaths(config: StackConfig) {
  const home = serviceHome(config.stateDir, 'kafka');
  return {
    home,
    dataDir: join(home, 'data'),
    serverProperties: join(home, 'server.properties'),
    log4jProperties: join(home, 'log4j2.properties'),
    clusterIdFile: join(home, 'cluster-id'),
  };
}

/**
 * Refuses (StackVersionError) to run an older broker on data a newer one wrote; says so when the
 * pinned version upgrades the data in place, or when existing data has no version record.
 */
function checkDataVersion(config: StackConfig): void {
  const { dataDir } = kafkaPaths(config);
  if (!existsSync(join(dataDir, 'meta.properties'))) return;
  const recorded = readDataVersion(config.stateDir, 'kafka');
  const line = checkJvmDataVersion('kafka', recorded, KAFKA_VERSION, `the log in ${dataDir}`);
  if (line) config.progress(line);
  if (recorded === undefined)
    config.progress(`kafka: keeping the log in ${dataDir} (no version recorded yet)`);
}

/** Formats the KRaft storage once; the cluster id is kept beside the data folder. */
async function formatStorageOnce(config: StackConfig, javaBin: string, libDir: string): Promise<void> {
  const paths = kafkaPaths(config);
  if (existsSync(join(paths.dataDir, 'meta.properties'))) return;
  if (!existsSync(paths.clusterIdFile)) writeFileSync(paths.clusterIdFile, `${newKafkaClusterId()}\n`);
  const clusterId = readFileSync(paths.clusterIdFile, 'utf8').trim();
  config.progress(`kafka: formatting storage in ${paths.dataDir}`);
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

export const kafkaService: ServiceRuntime = {
  name: 'kafka',
  readyTimeoutMs: 90_000,
  stopSignal: 'SIGTERM',
  ports: (config) => [
    { envVar: 'KAFKA_PORT', port: config.ports.KAFKA_PORT },
    { envVar: 'KAFKA_CONTROLLER_PORT', port: config.ports.KAFKA_CONTROLLER_PORT },
  ],
  marker: (config) => kafkaPaths(config).serverProperties,
  async prepare(config) {
    checkDataVersion(config);
    const java = findJava(MIN_JAVA_MAJOR.kafka, 'Apache Kafka', config.env);
    const libDir = await ensureKafkaJars(config);
    const paths = kafkaPaths(config);
    mkdirSync(paths.dataDir, { recursive: true });
    const port = config.ports.KAFKA_PORT;
    const controllerPort = config.ports.KAFKA_CONTROLLER_PORT;
    writeFileSync(
      paths.serverProperties,
      kafkaServerProperties({ port, controllerPort, dataDir: paths.dataDir }),
    );
    writeFileSync(paths.log4jProperties, LOG4J2_PROPERTIES);
    await formatStorageOnce(config, java.javaBin, libDir);
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
    if (!(await isPortAnswering(config.ports.KAFKA_PORT))) return false;
    return fileHeadIncludes(serviceLogFile(config.stateDir, 'kafka'), READY_LINE);
  },
};
