export { readStackEnv, type StackEnv } from './stack-env.js';
export { uniqueName } from './unique-name.js';
export { createTestTopics, testKafka, type TestTopics } from './test-topics.js';
export { createTestDatabase, withDatabase, type TestDatabase } from './test-database.js';
export { canConnect, isStackEnvReachable } from './stack-reachable.js';
