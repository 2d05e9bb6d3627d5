import { openAckLog } from './ack-log.js';
import { parseCliArgs, USAGE } from './cli-options.js';
import { deliverEvents } from './deliver-events.js';
import type { DeliveryReport } from './delivery-report.js';
import { generateHistory } from './generate-history.js';

/** Where the CLI writes; process.stdout/stderr in production, buffers in tests. */
export interface CliOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * Runs the simulator CLI and resolves with its exit code: 0 when every event was acknowledged,
 * 1 when some failed all attempts, 2 on bad flags or configuration (message and usage on stderr).
 */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  output: CliOutput,
): Promise<number> {
  const parsed = parseCliArgs(argv, env);
  if (parsed.kind === 'help') {
    output.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'usage-error') {
    output.stderr.write(`allo-simulator: ${parsed.message}\n\n${USAGE}\n`);
    return 2;
  }
  const options = parsed.options;
  const events = generateHistory({
    seed: options.seed,
    calls: options.calls,
    smsConversations: options.smsConversations,
    contacts: options.contacts,
    startAt: options.startAt,
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
