import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Jest reporter of the fault suite: at the end of the run, prints the table of the scenarios
// that ran (each appended its row to scenario-table.jsonl in the suite's state folder; jest
// runs the files in band in no fixed order, so no test file can be relied on to print last).
// Plain JavaScript: jest loads reporters without transforming them.

const COLUMNS = [
  ['scenario', (row) => row.scenario],
  ['events sent', (row) => String(row.sent)],
  ['acknowledged', (row) => String(row.acknowledged)],
  ['lost (must be 0)', (row) => String(row.lost)],
  ['duplicated (must be 0)', (row) => String(row.duplicated)],
  ['time to recover (s)', (row) => (row.recoverSeconds === null ? '-' : String(row.recoverSeconds))],
  ['scenario time (s)', (row) => String(row.durationSeconds)],
  ['note', (row) => row.note ?? ''],
];

export function formatScenarioTable(rows) {
  const cells = rows.map((row) => COLUMNS.map(([, cell]) => cell(row)));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...cells.map((line) => line[i].length)));
  const line = (values) => `| ${values.map((value, i) => value.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(COLUMNS.map(([title]) => title)),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}

export default class FaultsSummaryReporter {
  onRunComplete() {
    const dir = process.env.FAULTS_STACK_STATE_DIR;
    const file = dir ? join(dir, 'scenario-table.jsonl') : undefined;
    if (!file || !existsSync(file)) {
      process.stdout.write('\nfault scenarios: no scenario recorded a row\n');
      return;
    }
    const rows = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text))
      .sort((a, b) => a.scenario.localeCompare(b.scenario));
    process.stdout.write(`\nfault scenarios (${rows.length}):\n${formatScenarioTable(rows)}\n`);
  }
}
