export { readStackEnv, type StackEnv } from './stack-env.js';
export { uniqueName } from './unique-name.js';
export { createTestTopics, testKafka, type TestTopics } from './test-topics.js';
export { createTestDatabase, withDatabase, type TestDatabase } from './test-database.js';
export { canConnect, isStackEnvReachable } from './stack-reachable.js';
export {
  AlloApiContractServer,
  CONTRACT_API_KEY,
  type AlloApiContractOptions,
  type ContractWebhook,
  type InjectedError,
  type RecordedRequest,
} from './allo-api-contract-server.js';
export { ALLO_EVENT_TYPES } from './allo-api-event-types.js';
export { collectTopics, type CollectedMessage, type TopicCollector } from './topic-collector.js';
export { ensureMavenClasspath, type MavenCoordinate } from './maven-classpath.js';
export { freePort } from './free-port.js';
