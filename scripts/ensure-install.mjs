// Runs before every root script so that a fresh clone works without a manual `npm install`:
// installs with `npm ci` when node_modules is missing or older than package-lock.json.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lockfile = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');

const needsInstall =
  !existsSync(marker) ||
  (existsSync(lockfile) && statSync(lockfile).mtimeMs - statSync(marker).mtimeMs > 2000);

if (needsInstall) {
  const command = existsSync(lockfile) ? 'ci' : 'install';
  process.stderr.write(`allo-pipeline: node_modules is missing or stale, running npm ${command}\n`);
  execFileSync('npm', [command, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}
