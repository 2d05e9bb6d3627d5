import type { SupervisorState } from '@allo-pipeline/infra';
import type { ProjectionStatus } from '@allo-pipeline/projection-runtime';
import type { DeadLetterSummary, ReplayResult } from './dead-letters.js';

/** Human-readable `status` output: a line per projection, its problems with the way out, then its partitions. Pure. */
export function formatStatus(statuses: readonly ProjectionStatus[]): string {
  const lines: string[] = [];
  for (const s of statuses) {
    const version =
      s.liveVersion === undefined ? 'not initialised' : `live g${s.liveVersion} (epoch ${s.epoch})`;
    const stopped = s.problems.some((p) => p.kind === 'log-discontinuity');
    const state = stopped ? 'STOPPED' : s.problems.length > 0 ? 'STUCK' : 'ok';
    lines.push(
      `${s.projection}: ${state}, ${version}, lag ${s.lag}, last event ${s.lastEventAt?.toISOString() ?? '-'}, dead letters ${s.deadLetters}`,
    );
    if (s.partial) lines.push(`  partial generation: ${s.partial}`);
    for (const problem of s.problems) {
      const since = problem.since ? ` (since ${problem.since.toISOString()})` : '';
      lines.push(`  problem${since}: ${problem.message}`, `  fix: ${problem.fix}`);
    }
    lines.push('  partition  stored      log start   log end     lag     last event');
    for (const p of s.partitions) {
      lines.push(
        `  ${pad(String(p.partition), 9)}  ${pad(p.nextOffset ?? '-', 10)}  ${pad(p.low, 10)}  ${pad(p.high, 10)}  ${pad(String(p.lag), 6)}  ${p.lastEventAt?.toISOString() ?? '-'}`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * The services of the `npm start` running on the local stack: state, pid, restarts and last exit
 * (a crash loop shows as a growing restart count). Pure.
 */
export function formatServices(state: SupervisorState | undefined, stateDir: string): string {
  if (!state) return `services: no npm start is running on ${stateDir}`;
  const lines = [
    `services (npm start, pid ${state.pid}, since ${state.startedAt}${state.stopping ? ', stopping' : ''}):`,
  ];
  for (const s of state.services) {
    const exit = s.lastExit
      ? `last exit ${s.lastExit.signal ? `signal ${s.lastExit.signal}` : `code ${s.lastExit.code}`} at ${s.lastExit.at} after ${(s.lastExit.uptimeMs / 1000).toFixed(1)} s`
      : 'no exit';
    const next = s.nextRestartAt ? `, restarting at ${s.nextRestartAt}` : '';
    lines.push(
      `  ${pad(s.name, 19)} ${pad(s.state, 10)} pid ${pad(s.pid === null ? '-' : String(s.pid), 8)} restarts ${pad(String(s.restarts), 3)} ${exit}${next}`,
    );
  }
  return lines.join('\n');
}

export function formatDeadLetters(rows: readonly DeadLetterSummary[]): string {
  if (rows.length === 0) return 'no dead letters';
  return rows
    .map(
      (r) =>
        `#${r.id} ${r.projection} g${r.version} p${r.partition}@${r.offset} ${r.webhookId ?? '-'} ${r.replayedAt ? `replayed ${r.replayedAt.toISOString()}` : 'pending'}\n    ${r.error}`,
    )
    .join('\n');
}

export function formatReplay(results: readonly ReplayResult[]): string {
  if (results.length === 0) return 'nothing to replay';
  const lines = results.map((r) =>
    'error' in r ? `#${r.id} ${r.outcome}: ${r.error}` : `#${r.id} ${r.outcome}`,
  );
  const failed = results.filter((r) => r.outcome === 'failed').length;
  lines.push(`${results.length - failed} resolved, ${failed} still failing`);
  return lines.join('\n');
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}
