import { formatDuration, ratePerSecond, type ProgressSample } from './progress-bar.js';

/** Renders `exporting calls [###---] 41.2% 412000/1000000 rows 52000 rows/s ETA 11s`. Pure. */
export function formatExportProgress(
  entity: string,
  done: number,
  total: number,
  samples: readonly ProgressSample[],
  width = 30,
): string {
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  const rate = ratePerSecond(samples);
  const remaining = total - done;
  const eta = remaining <= 0 ? '0s' : rate > 0 ? formatDuration(remaining / rate) : '?';
  return (
    `exporting ${entity} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(1)}% ` +
    `${done}/${total} rows ${Math.round(rate)} rows/s ETA ${eta}`
  );
}

/**
 * A progress bar on stderr, redrawn in place at most every 200 ms, only when stderr is a TTY
 * (a pipe or log file gets nothing, so scripts stay quiet). Call `done` once at the end.
 */
export function createExportProgress(
  stream: NodeJS.WriteStream,
  now: () => number,
  entity: string,
  total: number,
): { update(done: number): void; done(done: number): void } {
  const samples: ProgressSample[] = [];
  let drawnAt = -Infinity;
  const draw = (count: number, final: boolean) => {
    const at = now();
    samples.push({ atMs: at, done: count });
    while (samples.length > 2 && at - samples[0]!.atMs > 10_000) samples.shift();
    if (!stream.isTTY || (!final && at - drawnAt < 200)) return;
    drawnAt = at;
    stream.write(
      `\r\x1b[2K${formatExportProgress(entity, count, Math.max(total, count), samples)}${final ? '\n' : ''}`,
    );
  };
  return { update: (count) => draw(count, false), done: (count) => draw(count, true) };
}
