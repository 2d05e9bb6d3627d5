import { openAckLog } from './ack-log.js';
import { parseCliArgs, USAGE, type CliOptions } from './cli-options.js';
import { deliverEvents } from './deliver-events.js';
import type { DeliveryReport } from './delivery-report.js';
import { generateHistory } from './generate-history.js';
import { describeSecretOrigin, type DevelopmentSecretLookup } from './secret-lookup.js';
import { streamHistory, type StreamTotals } from './stream-history.js';

/** Where the CLI writes; process.stdout/stderr in production, buffers in tests. */
export interface CliOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** What the CLI gets from its process besides arguments and environment. */
export interface CliContext {
  /** The local stack's development secret, used when neither --secret nor the variable is given. */
  readonly developmentSecret?: DevelopmentSecretLookup;
  /** Ends a --stream run (the process's SIGINT / SIGTERM). */
  readonly stop?: AbortSignal;
}

/**
 * Runs the simulator CLI and resolves with its exit code: 0 when every event was acknowledged
 * (a stream: once stopped), 1 when some failed all attempts, 2 on bad flags or configuration
 * (message and usage on stderr).
 */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  output: CliOutput,
  context: CliContext = {},
): Promise<number> {
  const parsed = parseCliArgs(argv, env, context.developmentSecret);
  if (parsed.kind === 'help') {
    output.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'usage-error') {
    output.stderr.write(`allo-simulator: ${parsed.message}\n\n${USAGE}\n`);
    return 2;
  }
  const options = parsed.options;
  output.stderr.write(`allo-simulator: ${describeSecretOrigin(options.secretOrigin)}\n`);
  if (options.stream) return runStream(options, output, context.stop ?? new AbortController().signal);
  const events = generateHistory({
    seed: options.seed,
    calls: options.calls,
    smsConversations: options.smsConversations,
    contacts: options.contacts,
    ...(options.startAt === undefined ? {} : { startAt: options.startAt }),
  });
  const ackLog = options.ackLog === undefined ? undefined : await openAckLog(options.ackLog);
  let report: DeliveryReport;
  try {
    report = await deliverEvents(events, { ...options, onAck: (event) => ackLog?.record(event) });
  } finally {
    await ackLog?.close();
  }
  output.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatReport(report, options.url));
  return report.failed > 0 ? 1 : 0;
}

/** The human-readable report. */
export function formatReport(report: DeliveryReport, url: string): string {
  const failures = report.attemptFailures;
  const lines = [
    `allo-simulator: ${report.events} events -> ${url}`,
    `  sent          ${report.sent}`,
    `  acknowledged  ${report.acknowledged}`,
    `  failed        ${report.failed}${report.failed > 0 ? ` (${report.failedIds.join(', ')})` : ''}`,
    `  retried       ${report.retried}  (failed attempts: ${failures.status} non-2xx, ${failures.timeout} timeouts, ${failures.connection} connection errors)`,
    `  duplicates    ${report.duplicatesSent} sent, ${report.duplicatesAcknowledged} acknowledged`,
    `  attempts      ${report.attempts} in ${(report.elapsedMs / 1000).toFixed(2)} s (${Math.round(report.deliveriesPerSecond)} deliveries/s)`,
  ];
  return `${lines.join('\n')}\n`;
}

/** A --stream run: chunks of traffic dated now until stopped, a progress line every 10 s. */
async function runStream(options: CliOptions, output: CliOutput, stop: AbortSignal): Promise<number> {
  const rate = options.ratePerSecond ?? 1;
  output.stdout.write(
    `allo-simulator: streaming about ${rate} events/s to ${options.url} ` +
      `(Allo's retry schedule, ${Math.round(options.duplicateRate * 100)}% duplicates); stop with Ctrl-C\n`,
  );
  const ackLog = options.ackLog === undefined ? undefined : await openAckLog(options.ackLog);
  let totals: StreamTotals;
  try {
    totals = await streamHistory({
      delivery: { ...options, onAck: (event) => ackLog?.record(event) },
      ratePerSecond: rate,
      // A fresh seed per stream: a second stream must not repeat the first one's webhook-ids.
      seed: options.seed + (Date.now() % 2 ** 31),
      signal: stop,
      onProgress: (running) => output.stdout.write(formatStreamTotals(running)),
    });
  } finally {
    await ackLog?.close();
  }
  output.stdout.write(options.json ? `${JSON.stringify(totals)}\n` : formatStreamTotals(totals, 'stopped'));
  return totals.failed > 0 ? 1 : 0;
}

/** One line of stream counts. */
export function formatStreamTotals(totals: StreamTotals, state = 'streaming'): string {
  const seconds = (totals.elapsedMs / 1000).toFixed(0);
  return (
    `allo-simulator: ${state} after ${seconds} s: ${totals.acknowledged} acknowledged, ` +
    `${totals.retried} retried, ${totals.duplicatesSent} duplicates sent, ${totals.failed} failed\n`
  );
}
