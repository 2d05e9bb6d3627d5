#!/usr/bin/env node
// `npm run audit`: the production dependency tree (`npm audit --omit=dev`) must have no high or
// critical advisory. Exit 0 clean, 1 with such advisories (listed), 2 when the advisory service
// cannot be asked (a registry or proxy that refuses npm's audit endpoint): that is no answer, so
// it is never reported as clean.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8' });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = undefined;
}
if (!report || report.error || !report.metadata) {
  const reason =
    report?.error?.summary || report?.message || run.stderr.trim().split('\n').slice(-3).join(' ');
  process.stderr.write(`audit: the advisory service did not answer, so nothing was checked: ${reason}\n`);
  process.exit(2);
}
const { vulnerabilities } = report.metadata;
const serious = Object.values(report.vulnerabilities ?? {}).filter((v) =>
  ['high', 'critical'].includes(v.severity),
);
process.stdout.write(
  `audit (production dependencies): ${JSON.stringify(vulnerabilities)}\n` +
    serious.map((v) => `  ${v.severity}: ${v.name} ${v.range}\n`).join(''),
);
process.exit(serious.length > 0 ? 1 : 0);
