import type { Discontinuity } from './position-rules.js';

/** What an operator reads when a projection stops on a log it cannot continue: what, with the numbers, and the way out. */
export interface DiscontinuityReport {
  readonly message: string;
  readonly fix: string;
}

/** Describes why `projection` stopped, with stored-vs-log figures, and how to recover. Pure. */
export function describeDiscontinuities(
  projection: string,
  discontinuities: readonly Discontinuity[],
): DiscontinuityReport {
  const details = discontinuities.map(describeOne).join('; ');
  const message = `projection ${projection} stopped and applies nothing: its stored position cannot be continued on the current log: ${details}`;
  const deleted = discontinuities.some((d) => d.kind === 'records-deleted');
  const cli = (args: string) => `npm run cli -- ${args}`;
  const fix = deleted
    ? `Either \`${cli(`rebuild ${projection} --allow-truncated-log`)}\` (rebuilds from what the log still holds; ` +
      'the deleted records stay missing and the generation is recorded as partial), or ' +
      `\`${cli(`reset-offsets ${projection} --to earliest`)}\` (keeps the current rows and continues from the ` +
      'first record still stored). Raise the raw topic retention so it does not happen again.'
    : `If the previous log still exists (KAFKA_BROKERS points at another cluster, or Kafka was started on ` +
      'another data folder), point the pipeline back at it: the projector resumes by itself. Otherwise ' +
      `\`${cli(`rebuild ${projection}`)}\` rebuilds the read model from the current log (rows found only in ` +
      `the old log are dropped), or \`${cli(`reset-offsets ${projection} --to earliest`)}\` keeps the current ` +
      'rows and applies the current log from its start (webhook ids already applied are skipped).';
  return { message, fix };
}

function describeOne(d: Discontinuity): string {
  switch (d.kind) {
    case 'other-cluster':
      return (
        `${d.partitions.length === 1 ? 'partition' : 'partitions'} ${d.partitions.join(', ')} ${d.partitions.length === 1 ? 'was' : 'were'} read on Kafka cluster ${d.storedClusterId}, but the broker ` +
        `now is cluster ${d.clusterId} (Kafka started on a new data folder, or KAFKA_BROKERS names another cluster)`
      );
    case 'partition-missing':
      return `partition ${d.partition} (stored next offset ${d.nextOffset}) no longer exists: the topic has ${d.partitionCount} partitions`;
    case 'ahead-of-log':
      return (
        `partition ${d.partition}: stored next offset ${d.nextOffset} is above the log end ${d.high} ` +
        '(the topic was deleted and recreated, or the log was replaced)'
      );
    case 'records-deleted':
      return d.nextOffset === null
        ? `partition ${d.partition}: nothing applied yet, but the log now starts at offset ${d.low}: records 0 to ${BigInt(d.low) - 1n} were deleted (retention or deleteRecords)`
        : `partition ${d.partition}: stored next offset ${d.nextOffset}, but the log now starts at offset ${d.low}: records ${d.nextOffset} to ${BigInt(d.low) - 1n} were deleted before they were applied (retention or deleteRecords)`;
    case 'record-replaced':
      return (
        `partition ${d.partition}: the record at offset ${d.offset} is ${d.found === null ? 'gone' : 'not the one'} that was applied there ` +
        '(the topic was recreated and refilled, or another log is in its place)'
      );
  }
}
