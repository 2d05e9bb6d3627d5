// Markdown tables and target checks for a `npm run bench` report (see run-benchmarks.mjs). The
// targets are issue 13's; each is checked against the figures of the same run.

const fmt = (n, digits = 0) =>
  n === null || n === undefined || Number.isNaN(n)
    ? '–'
    : Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (a, b) => (a && b ? a / b : null);
const table = (head, rows) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

function gatewaySection(results, targets) {
  const by = (load, key) => results.find((r) => r.bench === `gateway/${load}/${key}`);
  const peer = by('saturation', 'peer');
  const bound = by('saturation', 'bound');
  const rows = ['gateway', 'peer', 'bound'].flatMap((key) => {
    const sat = by('saturation', key);
    const fixed = by('fixed-1k', key);
    if (!sat) return [];
    return [
      [
        sat.contender,
        fmt(sat.requestsPerSecond),
        `${fmt(ratio(sat.requestsPerSecond, peer?.requestsPerSecond), 2)}×`,
        `${fmt(ratio(sat.requestsPerSecond, bound?.requestsPerSecond), 2)}×`,
        fmt(sat.p50Ms, 1),
        fmt(sat.p99Ms, 1),
        fmt(fixed?.p50Ms, 1),
        fmt(fixed?.p99Ms, 1),
        fmt(sat.peakRssMb),
      ],
    ];
  });
  const gw = by('saturation', 'gateway');
  if (gw) {
    targets.push([
      'gateway ≥ 3× the hand-written peer (64 connections)',
      `${fmt(ratio(gw.requestsPerSecond, peer?.requestsPerSecond), 2)}×`,
      ratio(gw.requestsPerSecond, peer?.requestsPerSecond) >= 3,
    ]);
    targets.push([
      'gateway ≥ 0.35× the verify-only bound',
      `${fmt(ratio(gw.requestsPerSecond, bound?.requestsPerSecond), 2)}×`,
      ratio(gw.requestsPerSecond, bound?.requestsPerSecond) >= 0.35,
    ]);
    targets.push(['gateway p99 ≤ 50 ms at 64 connections', `${fmt(gw.p99Ms, 1)} ms`, gw.p99Ms <= 50]);
    const fixed = by('fixed-1k', 'gateway');
    if (fixed)
      targets.push([
        'gateway p99 ≤ 15 ms at a fixed 1k req/s',
        `${fmt(fixed.p99Ms, 1)} ms`,
        fixed.p99Ms <= 15,
      ]);
    targets.push(['gateway peak RSS ≤ 150 MB', `${fmt(gw.peakRssMb)} MB`, gw.peakRssMb <= 150]);
  }
  return table(
    [
      'server',
      'req/s (64 conn., median of rounds)',
      '× peer',
      '× bound',
      'p50 ms',
      'p99 ms',
      'p50 ms at 1k req/s',
      'p99 ms at 1k req/s',
      'peak RSS MB',
    ],
    rows,
  );
}

function rebuildSection(results, targets, records) {
  const bound = results.find(
    (r) => r.bench === 'rebuild/consume-decode' || r.bench === 'rebuild/consume-decode-parse',
  );
  const rows = results
    .filter((r) => r.bench.startsWith('rebuild/') && r.bench !== 'rebuild/publish')
    .map((r) => [
      r.bench.replace(/^rebuild\//, ''),
      fmt(r.records),
      fmt(r.elapsedMs),
      fmt(r.recordsPerSecond),
      r === bound
        ? '1.00×'
        : `${fmt(r.ratioToConsumeDecode ?? ratio(r.recordsPerSecond, bound?.recordsPerSecond), 2)}×`,
      fmt(r.peakRssMb),
    ]);
  const at = Number(records) >= 1_000_000 ? '' : ` (target set at 1M records; this run: ${fmt(records)})`;
  for (const r of results.filter((x) => /^rebuild\/(zero-downtime|in-place)\//.test(x.bench))) {
    const x = r.ratioToConsumeDecode ?? ratio(r.recordsPerSecond, bound?.recordsPerSecond);
    targets.push([
      `${r.bench.replace(/^rebuild\//, 'rebuild ')} ≥ 0.6× consume + decode${at}`,
      `${fmt(x, 2)}×`,
      x >= 0.6,
    ]);
    if (r.bench.endsWith('/calls'))
      targets.push([
        `${r.bench.replace(/^rebuild\//, 'rebuild ')} ≥ 50k records/s${at}`,
        fmt(r.recordsPerSecond),
        r.recordsPerSecond >= 50_000,
      ]);
    if (r.peakRssMb !== undefined)
      targets.push([
        `${r.bench.replace(/^rebuild\//, 'rebuild ')} peak RSS ≤ 300 MB${at}`,
        `${fmt(r.peakRssMb)} MB`,
        r.peakRssMb <= 300,
      ]);
  }
  return table(['measurement', 'records', 'ms', 'records/s', '× consume + decode', 'peak RSS MB'], rows);
}

// null: later than the benchmark's poll window.
const late = (ms) => (ms === null ? '> window' : fmt(ms, 1));

function freshnessSection(results, targets) {
  const f = results.find((r) => r.bench.startsWith('freshness/'));
  const parts = [];
  if (f) {
    parts.push(
      table(
        [
          'rate',
          'seconds',
          'sent',
          'acknowledged',
          'never listed',
          'mean poll ms',
          'p50 ms',
          'p99 ms',
          'max ms',
        ],
        [
          [
            `${fmt(f.ratePerSecond)}/s`,
            fmt(f.seconds),
            fmt(f.sent),
            fmt(f.acknowledged),
            fmt(f.neverVisible),
            fmt(f.meanPollMs, 1),
            late(f.p50Ms),
            late(f.p99Ms),
            late(f.maxMs),
          ],
        ],
      ),
    );
    targets.push([
      'freshness p99 ≤ 75 ms at 1k events/s',
      `${late(f.p99Ms)} ms`,
      f.p99Ms !== null && f.p99Ms <= 75,
    ]);
  }
  const memory = results.filter((r) => r.bench.startsWith('memory/'));
  if (memory.length > 0) {
    parts.push(
      table(
        ['process (during the freshness run)', 'peak RSS MB', 'CPU, % of one core'],
        memory.map((m) => [m.service, fmt(m.peakRssMb), fmt(m.cpuPercent)]),
      ),
    );
  }
  return parts.join('\n\n');
}

function genericSection(results) {
  return table(
    ['measurement', 'figures'],
    // A service's pino line that a benchmark let through is not a measurement.
    results
      .filter((r) => !('level' in r && 'msg' in r))
      .map(({ bench, node: _node, ...rest }) => [
        bench,
        Object.entries(rest)
          .map(
            ([k, v]) =>
              `${k} ${typeof v === 'number' ? fmt(v, Number.isInteger(v) ? 0 : 2) : JSON.stringify(v)}`,
          )
          .join(', '),
      ]),
  );
}

/** The whole report as Markdown: one section per group, then the targets. */
export function benchTables(report) {
  const targets = [];
  const sections = [];
  for (const [name, group] of Object.entries(report.groups)) {
    const body = group.error
      ? `failed: ${group.error}`
      : name === 'gateway'
        ? gatewaySection(group.results, targets)
        : name === 'rebuild'
          ? rebuildSection(group.results, targets, report.records)
          : name === 'freshness'
            ? freshnessSection(group.results, targets)
            : genericSection(group.results);
    sections.push(`### ${name}: ${group.title}\n\n${body}`);
  }
  const m = report.machine;
  const header = `## npm run bench, ${report.startedAt}\n\n${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; Kafka, the registry, Postgres and the load generators on the same machine.`;
  const checked = targets.length
    ? `### targets\n\n${table(
        ['target', 'measured', 'met'],
        targets.map(([t, v, ok]) => [t, v, ok ? 'yes' : '**no**']),
      )}`
    : '';
  return [header, ...sections, checked].filter(Boolean).join('\n\n') + '\n';
}
