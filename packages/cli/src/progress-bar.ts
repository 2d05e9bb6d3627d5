import type { RebuildProgress } from './rebuild-projection.js';

/** One sample of rebuild progress with its time. */
export interface ProgressSample {
  readonly atMs: number;
  readonly done: number;
}

/**
 * Renders a progress line: bar, % of the log, positions, rate over the samples given and ETA.
 * Pure; `samples` are oldest first and should cover a few seconds for a stable rate.
 */
export function formatProgress(
  progress: RebuildProgress,
  samples: readonly ProgressSample[],
  width = 30,
): string {
  const ratio = progress.total === 0 ? 1 : Math.min(1, progress.done / progress.total);
  const filled = Math.round(ratio * width);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
  const rate = ratePerSecond(samples);
  const remaining = progress.total - progress.done;
  const eta = remaining <= 0 ? '0s' : rate > 0 ? formatDuration(remaining / rate) : '?';
  const labels: Record<RebuildProgress['phase'], string> = {
    'bulk-load': 'bulk load',
    'catch-up': 'rebuilding',
    'final-sync': 'final sync',
    swapped: 'swapped',
  };
  const label = labels[progress.phase];
  return `${label} g${progress.version} [${bar}] ${(ratio * 100).toFixed(1)}% ${progress.done}/${progress.total} events ${Math.round(rate)}/s ETA ${eta}`;
}

/** Events per second between the first and last sample (0 when undefined). */
export function ratePerSecond(samples: readonly ProgressSample[]): number {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || last.atMs <= first.atMs) return 0;
  return Math.max(0, ((last.done - first.done) * 1000) / (last.atMs - first.atMs));
}

/** `1h02m`, `3m05s`, `42s`. */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A stderr progress reporter: redraws in place on a TTY, else prints a line every few seconds. */
export function createProgressReporter(
  stream: NodeJS.WriteStream,
  now: () => number,
): (progress: RebuildProgress) => void {
  const samples: ProgressSample[] = [];
  let lastLine = 0;
  return (progress) => {
    const at = now();
    samples.push({ atMs: at, done: progress.done });
    while (samples.length > 2 && at - samples[0]!.atMs > 10_000) samples.shift();
    const line = formatProgress(progress, samples);
    if (stream.isTTY) stream.write(`\r\x1b[2K${line}${progress.phase === 'swapped' ? '\n' : ''}`);
    else if (progress.phase === 'swapped' || at - lastLine >= 2000) {
      stream.write(`${line}\n`);
      lastLine = at;
    }
  };
}
