export {
  kafkaBrokers,
  stackDown,
  stackEndpoints,
  stackEnv,
  stackLogs,
  stackStatus,
  stackTopicEnv,
  stackUp,
  startKafkaBroker,
  stopKafkaBroker,
} from './stack.js';
export type { KafkaBrokerInfo, ServiceStatus, StackEndpoints, StackUpResult } from './stack.js';
export { BROKER_COUNTS, kafkaNodes, parseBrokerCount, replicationSettings } from './kafka-cluster.js';
export type { BrokerCount, KafkaNode, ReplicationSettings } from './kafka-cluster.js';
export { stackReset } from './stack-reset.js';
export type { StackResetOptions, StackResetResult } from './stack-reset.js';
export {
  ALL_SERVICES,
  DEFAULT_PORTS,
  DEFAULT_POSTGRES_PASSWORD,
  POSTGRES_USER,
  readStackConfig,
} from './stack-config.js';
export type { PortEnvVar, ServiceName, StackConfig, StackOptions } from './stack-config.js';
export {
  DatabaseUnreachableError,
  DownloadError,
  PortInUseError,
  ServerNotReadyError,
  StackConfigError,
  StackError,
  StackVersionError,
  ToolMissingError,
} from './stack-errors.js';
export { keptDevelopmentWebhookSecret } from './dev-credentials.js';
export { registryHealthUrl, schemaRegistryUrl } from './registry-service.js';
export { readSupervisorState, supervisorStatePath } from './supervisor-state.js';
export type {
  SupervisedServiceExit,
  SupervisedServiceState,
  SupervisedServiceStatus,
  SupervisorState,
} from './supervisor-state.js';
export { APICURIO_VERSION, KAFKA_VERSION, LOG4J_VERSION } from './versions.js';
