export { parseCommand, UsageError, USAGE, type Command } from './parse-command.js';
export { readCliEnv, CliEnvError, type CliEnv, type LocalStack } from './cli-env.js';
export { runCommand, type CliIo } from './run-command.js';
export {
  rebuildProjection,
  RebuildInProgressError,
  sumSpan,
  type RebuildDeps,
  type RebuildProgress,
} from './rebuild-projection.js';
export { rebuildInPlace, resetOffsets } from './reset-offsets.js';
export {
  listDeadLetters,
  replayDeadLetters,
  type DeadLetterSummary,
  type ReplayResult,
} from './dead-letters.js';
export { formatDeadLetters, formatReplay, formatStatus } from './format-status.js';
export {
  createProgressReporter,
  formatDuration,
  formatProgress,
  ratePerSecond,
  type ProgressSample,
} from './progress-bar.js';
