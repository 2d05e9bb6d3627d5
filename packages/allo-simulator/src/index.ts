export { formatAckLine, openAckLog, readAckLog, type AckLog, type AckLogEntry } from './ack-log.js';
export { parseCliArgs, USAGE, type CliOptions, type CliParseResult } from './cli-options.js';
export { deliverEvents } from './deliver-events.js';
export { DeliveryOptionsError, type AckInfo, type DeliveryOptions } from './delivery-options.js';
export { pickDuplicates, reorderWithinWindow } from './delivery-plan.js';
export type { DeliveryReport } from './delivery-report.js';
export type { Clock, Sleep } from './flow-control.js';
export {
  generateHistory,
  HistoryOptionsError,
  type HistoryOptions,
  type SimulatedEvent,
} from './generate-history.js';
export type { AttemptOutcome } from './http-sender.js';
export { createRandom, type Random } from './random.js';
export {
  ALLO_ATTEMPT_TIMEOUT_MS,
  ALLO_MAX_ATTEMPTS,
  ALLO_RETRY_SCHEDULE_MS,
  retryDelayMs,
} from './retry-schedule.js';
export { formatReport, runCli, type CliOutput } from './run-cli.js';
