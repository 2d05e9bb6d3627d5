export {
  ProjectorRunner,
  errorSummary,
  type PartitionProgress,
  type ProjectorRunnerDeps,
} from './projector-runner.js';
export {
  commitBatch,
  type CommitOutcome,
  type GenerationSnapshot,
  type RunnerTarget,
} from './commit-batch.js';
export {
  classifyMessage,
  headersToRecord,
  planBatch,
  type BatchPlan,
  type DeadLetterDraft,
  type DecodedMessage,
  type MessageVerdict,
  type RawMessage,
} from './plan-batch.js';
export {
  decodeMessages,
  isTransient,
  RegistryUnavailableError,
  type RawRecordDecoder,
} from './decode-messages.js';
export {
  isBefore,
  lagMessages,
  lagSeconds,
  maxOffset,
  nextOffsetAfter,
  positionBatch,
  startOffset,
  type BatchPosition,
} from './offsets.js';
export { backoffDelay, sleep } from './backoff.js';
export {
  fetchWatermarks,
  parseOffsetStart,
  readStoredOffsets,
  resolveStartOffsets,
  seedGenerationOffsets,
  writeStoredOffsets,
  type OffsetStart,
  type StoredOffset,
  type Watermarks,
} from './stored-offsets.js';
export {
  computePartitionStatus,
  countOpenDeadLetters,
  readProjectionStatus,
  type PartitionStatus,
  type ProjectionStatus,
} from './projection-status.js';
export { closeProjectorGate, enterProjectorGate, openProjectorGate } from './projector-gate.js';
export { createProjectorMetrics, type ProjectorMetrics } from './projector-metrics.js';
export { createProbeApp, startProbeServer, type ProbeDeps, type ProbeServer } from './probe-server.js';
export {
  DEFAULT_PORTS,
  liveGroupId,
  parseProjectorConfig,
  portVariable,
  ProjectorConfigError,
  type ProjectorConfig,
} from './projector-config.js';
export { runProjectorService, startProjectorService, type RunningProjector } from './projector-service.js';
export {
  alloFixtures,
  fixtureId,
  fixtureRecord,
  publishFixtures,
  rawFixture,
  waitUntil,
} from './allo-fixtures.js';
