// Summarises a V8 .cpuprofile (node --cpu-prof) as text: the top functions by self time and the
// top packages (node_modules/<name>, node internals, our packages) by self time, so a profile can
// be kept as small evidence beside a benchmark result.
// Usage: node scripts/cpu-profile-summary.mjs <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-summary.mjs <file.cpuprofile> [top]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i += 1) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const where = (url) => {
  if (!url) return '(native/V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  const ours = /\/(packages|services)\/([^/]+)\//.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
};
const functions = new Map();
const packages = new Map();
for (const [id, us] of selfUs) {
  const { callFrame } = byId.get(id);
  const name = `${callFrame.functionName || '(anonymous)'} ${where(callFrame.url)}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
  functions.set(name, (functions.get(name) ?? 0) + us);
  const pkg =
    callFrame.functionName === '(idle)'
      ? '(idle)'
      : callFrame.functionName === '(garbage collector)'
        ? '(garbage collector)'
        : where(callFrame.url);
  packages.set(pkg, (packages.get(pkg) ?? 0) + us);
}
// Self time of node internals and V8 natives charged to the nearest caller that is a package
// (ours or a dependency): who caused the time, e.g. Buffer copies made by kafkajs.
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const charged = new Map();
for (const [id, us] of selfUs) {
  let at = id;
  let owner = where(byId.get(id).callFrame.url);
  const fn = byId.get(id).callFrame.functionName;
  if (fn === '(idle)' || fn === '(garbage collector)' || fn === '(program)') owner = fn;
  else
    while ((owner === 'node internals' || owner === '(native/V8)') && parentOf.has(at)) {
      at = parentOf.get(at);
      owner = where(byId.get(at).callFrame.url);
    }
  charged.set(owner, (charged.get(owner) ?? 0) + us);
}
const pct = (us) => `${((us * 100) / total).toFixed(1).padStart(5)}%`;
console.log(`profile ${file}: ${(total / 1e6).toFixed(1)} s sampled`);
console.log('\nself time by package:');
for (const [name, us] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(us)}  ${name}`);
console.log('\ntime charged to the nearest package up the stack (internals and natives included):');
for (const [name, us] of [...charged].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(us)}  ${name}`);
console.log('\nself time by function:');
for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(us)}  ${name}`);
