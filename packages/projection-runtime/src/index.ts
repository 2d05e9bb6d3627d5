export { ProjectorRunner, type ProjectorRunnerDeps } from './projector-runner.js';
export { errorSummary } from './error-summary.js';
export { commitBatch, type BatchToCommit, type CommitOutcome } from './commit-batch.js';
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
  checkContinuity,
  decideBatch,
  isBefore,
  lagMessages,
  lagSeconds,
  nextOffsetAfter,
  parseOffsetStart,
  recordFingerprint,
  resumeOffset,
  type BatchDecision,
  type Discontinuity,
  type LogState,
  type OffsetStart,
  type PartitionCursor,
  type StoredOffset,
  type Watermarks,
} from './position-rules.js';
export {
  advancePosition,
  enterProjectorGate,
  fetchWatermarks,
  loadPosition,
  readLogState,
  readPartialReason,
  readStoredOffsets,
  resetPosition,
  resolveStartOffsets,
  restartLiveGeneration,
  seedGeneration,
  swapWhenLevel,
  TruncatedLogError,
  withProjectorGateClosed,
  BulkPositionMovedError,
  commitBulkPositions,
  type BulkAdvance,
  type AdvanceOutcome,
  type GenerationSnapshot,
  type LoadedPosition,
  type PositionAdvance,
  type RunnerTarget,
} from './position-protocol.js';
export {
  bulkLoadGeneration,
  BulkLoadStoppedError,
  type BulkLoadDeps,
  type BulkLoadSources,
  type BulkLoadOutcome,
  type BulkLoadTarget,
} from './bulk-load.js';
export { CopyFailedError } from './pg-bulk-session.js';
export { describeDiscontinuities, type DiscontinuityReport } from './discontinuity-report.js';
export { readActiveFaults, type ProjectionFault } from './projection-faults.js';
export { backoffDelay, sleep } from './backoff.js';
export {
  computePartitionStatus,
  countOpenDeadLetters,
  readProjectionStatus,
  type PartitionStatus,
  type ProjectionProblem,
  type ProjectionStatus,
} from './projection-status.js';
export { createProjectorMetrics, type ProjectorMetrics } from './projector-metrics.js';
export {
  createProbeApp,
  startProbeServer,
  type ProbeDeps,
  type ProbeServer,
  type Readiness,
} from './probe-server.js';
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
