import type { ServiceName } from './stack-config.js';

// What `npm run stack -- reset` will delete, as the text it shows before asking. Pure: the
// sizes and facts are gathered by stack-reset.ts.

/** One thing reset deletes. */
export interface ResetItem {
  /** 'kafka', 'postgres', 'registry', 'credentials', 'logs', 'pids'. */
  readonly label: string;
  /** A path, or a database object ('schema apicurio_registry in 127.0.0.1:15432/postgres'). */
  readonly target: string;
  /** What is in it, e.g. '(data, cluster id)'. */
  readonly contents: string;
  /** Bytes; undefined when it cannot be measured now (the reason is in `meaning`). */
  readonly bytes: number | undefined;
  /** What is lost, e.g. 'the raw log: every stored webhook'. */
  readonly meaning: string;
}

export interface ResetPlan {
  readonly stateDir: string;
  readonly deletions: readonly ResetItem[];
  /** Servers of ours that run and are stopped before deleting. */
  readonly stops: ReadonlyArray<{ readonly service: ServiceName; readonly pid: number }>;
  /** What is deliberately left alone, and why. */
  readonly kept: readonly string[];
  readonly warnings: readonly string[];
}

/** 1234567 → '1.2 MB' (powers of 1000; bytes below 1 kB as such). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The listing shown (and passed to `confirm`) before anything is stopped or deleted. */
export function formatResetListing(plan: ResetPlan): string {
  const lines: string[] = [];
  if (plan.deletions.length === 0) {
    lines.push(`stack reset (state folder ${plan.stateDir}): nothing to delete`);
  } else {
    lines.push(`stack reset (state folder ${plan.stateDir}) will delete:`);
    const width = Math.max(...plan.deletions.map((item) => item.label.length)) + 1;
    for (const item of plan.deletions) {
      const size = item.bytes === undefined ? 'size unknown' : formatBytes(item.bytes);
      lines.push(
        `  ${`${item.label}:`.padEnd(width)} ${item.target} ${item.contents} ${size} — ${item.meaning}`,
      );
    }
  }
  if (plan.stops.length > 0) {
    lines.push(
      `It first stops: ${plan.stops.map(({ service, pid }) => `${service} (pid ${pid})`).join(', ')}`,
    );
  }
  if (plan.kept.length > 0) lines.push('It keeps:', ...plan.kept.map((line) => `  - ${line}`));
  if (plan.warnings.length > 0) lines.push('Warnings:', ...plan.warnings.map((line) => `  ! ${line}`));
  return lines.join('\n');
}

/** What happens to each store; 'absent' when there is no such data. */
export interface ResetEffects {
  readonly kafkaLog: 'deleted' | 'kept' | 'absent';
  readonly readModels: 'deleted' | 'kept' | 'absent';
  readonly registrySchemas: 'deleted' | 'kept' | 'absent';
}

/** The consequences of deleting one store but keeping another that refers to it. */
export function resetWarnings(effects: ResetEffects): string[] {
  const warnings: string[] = [];
  if (effects.kafkaLog === 'deleted' && effects.readModels === 'kept') {
    warnings.push(
      "Kafka's log is deleted but the read models are kept: their offsets refer to a log that no longer " +
        'exists, so the projectors will refuse to continue. Run `npm run cli -- rebuild <projection>` for ' +
        'each projection afterwards.',
    );
  }
  if (effects.registrySchemas === 'deleted' && effects.kafkaLog === 'kept') {
    warnings.push(
      "The registry's schemas are deleted but Kafka's log is kept: its records carry schema ids that will " +
        'no longer exist (orphaned), so they cannot be decoded. Reset kafka too, unless you restore the ' +
        'schemas first (e.g. pg_dump --schema=apicurio_registry beforehand).',
    );
  }
  return warnings;
}
