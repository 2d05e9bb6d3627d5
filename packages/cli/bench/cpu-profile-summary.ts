// Summarises a V8 .cpuprofile (node --cpu-prof) as text: the top frames by self time, and the
// share of time spent under each package (by the path of the frame's script), for the notes in
// bench/profiles/. Run: npx tsx packages/cli/bench/cpu-profile-summary.ts <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-summary <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(topArg ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMs = new Map<number, number>();
profile.samples.forEach((id, i) =>
  selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000),
);
const total = [...selfMs.values()].reduce((a, b) => a + b, 0);

const place = (n: ProfileNode) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '');
  return `${n.callFrame.functionName || '(anonymous)'} ${url.replace(/.*\/packages\//, 'packages/')}:${n.callFrame.lineNumber + 1}`;
};
const frames = new Map<string, number>();
const areas = new Map<string, number>();
for (const [id, ms] of selfMs) {
  const node = byId.get(id)!;
  frames.set(place(node), (frames.get(place(node)) ?? 0) + ms);
  const url = node.callFrame.url;
  const area = url.includes('/node_modules/')
    ? url.replace(/.*\/node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')
    : url.includes('/packages/')
      ? url.replace(/.*\/packages\/([^/]+).*/, 'packages/$1')
      : url.startsWith('node:')
        ? 'node internals'
        : node.callFrame.functionName.startsWith('(')
          ? node.callFrame.functionName
          : 'other';
  areas.set(area, (areas.get(area) ?? 0) + ms);
}
const pct = (ms: number) => `${((ms * 100) / total).toFixed(1).padStart(5)}%`;
console.log(`${file.replace(/.*\//, '')}: ${Math.round(total)} ms sampled`);
console.log('\nself time by area:');
for (const [area, ms] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(`  ${pct(ms)} ${Math.round(ms).toString().padStart(6)} ms  ${area}`);
console.log(`\ntop ${top} frames by self time:`);
for (const [frame, ms] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`  ${pct(ms)} ${Math.round(ms).toString().padStart(6)} ms  ${frame}`);
