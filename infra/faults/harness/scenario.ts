import type { DeliveryReport } from '@allo-pipeline/allo-simulator';
import type { FaultPipeline } from './fault-pipeline.js';
import type { StatusProbe, Traffic } from './traffic.js';
import {
  logLeaks,
  rebuildAndCompare,
  recordScenario,
  rowDifferences,
  tallyExactlyOnce,
  type Tally,
} from './verify.js';

// The end of every scenario: the load finished (Allo's retries delivered what was refused), the
// counts, the rebuild comparison, the log scan, and the row of the summary table.

export interface ScenarioResult {
  readonly report: DeliveryReport;
  readonly tally: Tally;
  /** Tables whose live rows differ from the rebuild's (empty when equal). */
  readonly differences: ReturnType<typeof rowDifferences>;
  readonly leaks: string[];
  /** Row counts of the live read models, by table (a scenario must have projected something). */
  readonly liveRows: Record<string, number>;
  /** Services that exited with code 1 and were restarted, e.g. 'projector-calls-a exited 1 1x'. */
  readonly crashes: string[];
}

/** Seconds between two instants, or null when `to` is unknown. */
export function secondsBetween(from: number, to: number | undefined): number | null {
  return to === undefined ? null : Math.round((to - from) / 100) / 10;
}

/** When the first acknowledgement after `since` arrived (undefined: none yet). */
export function firstAckAfter(traffic: Traffic, since: number): number | undefined {
  let first: number | undefined;
  for (const at of traffic.ackedAt.values())
    if (at >= since && (first === undefined || at < first)) first = at;
  return first;
}

export async function finishScenario(
  pipeline: FaultPipeline,
  traffic: Traffic,
  options: {
    readonly startedAt: number;
    readonly recoverSeconds: number | null;
    readonly probe?: StatusProbe;
    readonly note?: string;
  },
): Promise<ScenarioResult> {
  const report = await traffic.done;
  await options.probe?.finish();
  const acked = new Map([...traffic.acked, ...(options.probe?.acked ?? [])]);
  const { tally, live, rebuilt } = await explainedBy(pipeline, async () => ({
    tally: await tallyExactlyOnce(pipeline, acked),
    ...(await rebuildAndCompare(pipeline)),
  }));
  const differences = rowDifferences(live, rebuilt);
  const leaks = logLeaks(pipeline, [...traffic.events.map((event) => event.body)]);
  // Exits with code 1: a service gave up and was restarted (as the supervisor would).
  const crashes = pipeline
    .services()
    .map((service) => [service.spec.name, service.exits.filter((how) => how === '1').length] as const)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${name} exited 1 ${n}x`);
  const note = [options.note, ...crashes].filter(Boolean).join('; ');
  const probeSent = new Set(options.probe?.attempts.map(({ id }) => id) ?? []).size;
  recordScenario({
    scenario: pipeline.options.scenario,
    sent: report.sent + probeSent,
    acknowledged: acked.size,
    lost: tally.lost + report.failed,
    duplicated: tally.duplicated,
    recoverSeconds: options.recoverSeconds,
    durationSeconds: Math.round((Date.now() - options.startedAt) / 1000),
    ...(note ? { note } : {}),
  });
  const liveRows = Object.fromEntries(Object.entries(live).map(([table, rows]) => [table, rows.length]));
  return { report, tally, differences, leaks, liveRows, crashes };
}

/** The expectations every scenario ends with, as one object to compare (a diff names what failed). */
export function verdict(result: ScenarioResult): Record<string, unknown> {
  return {
    failedDeliveries: result.report.failed,
    everyEventAcknowledged: result.report.acknowledged === result.report.events,
    lost: result.tally.lost,
    duplicated: result.tally.duplicated,
    deadLetters: result.tally.deadLetters,
    rebuildDifferences: result.differences,
    leaks: result.leaks,
    projectedSomething: ['calls', 'messages', 'contacts'].every((table) => (result.liveRows[table] ?? 0) > 0),
  };
}

export const CLEAN_VERDICT = {
  failedDeliveries: 0,
  everyEventAcknowledged: true,
  lost: 0,
  duplicated: 0,
  deadLetters: { calls: 0, messages: 0, contacts: 0 },
  rebuildDifferences: {},
  leaks: [],
  projectedSomething: true,
};

/** Runs `body`; on failure the error's message gets the end of every service's output. */
async function explainedBy<T>(pipeline: FaultPipeline, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const tails = pipeline.services().map((service) => service.outputTail(12));
    throw new Error(`${message}\n\n${tails.join('\n')}`, { cause: error });
  }
}
