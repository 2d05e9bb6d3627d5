import { rmSync } from 'node:fs';
import { stackDown } from '@allo-pipeline/infra';

/** Stops the fault suite's own stack and deletes its state folder (KEEP_STACK=1 keeps both). */
export default async function faultsGlobalTeardown(): Promise<void> {
  const stateDir = process.env.FAULTS_STACK_STATE_DIR;
  if (!stateDir || process.env.KEEP_STACK === '1') return;
  await stackDown({ stateDir, env: process.env });
  rmSync(stateDir, { recursive: true, force: true });
}
