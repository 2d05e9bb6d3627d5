import { chmodSync, mkdtempSync } from 'node:fs';
import { readStackConfig, stackDown, stackEndpoints, stackEnv, stackUp } from '@allo-pipeline/infra';
import { freePort } from './free-port.js';

// Jest global setup for the fault suite (`npm run test:faults`): a stack of its own, never the
// shared one, since its scenarios stop, kill and fill the servers. A new state folder under
// /var/tmp (the embedded Postgres runs as `postgres` and must reach it) and free ports. Workers
// inherit the endpoints, and the state folder and ports so that a scenario can stop and start
// one server of it (stackDown / stackUp with FAULTS_STACK_STATE_DIR and this environment).

const PORT_VARIABLES = [
  'KAFKA_PORT',
  'KAFKA_CONTROLLER_PORT',
  'SCHEMA_REGISTRY_PORT',
  'SCHEMA_REGISTRY_MANAGEMENT_PORT',
  'POSTGRES_PORT',
] as const;

export default async function faultsGlobalSetup(): Promise<void> {
  const startedAt = Date.now();
  const stateDir = mkdtempSync('/var/tmp/allo-faults-stack-');
  chmodSync(stateDir, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  for (const name of PORT_VARIABLES) env[name] = String(await freePort());
  const onProgress = (line: string) => process.stderr.write(`  faults stack: ${line}\n`);
  process.env.FAULTS_STACK_STATE_DIR = stateDir;
  for (const name of PORT_VARIABLES) process.env[name] = env[name];
  try {
    await stackUp({ stateDir, env, onProgress });
  } catch (error) {
    await stackDown({ stateDir, env, onProgress }).catch(() => undefined);
    throw error;
  }
  Object.assign(process.env, stackEnv(stackEndpoints(readStackConfig({ stateDir, env }))));
  process.stderr.write(
    `\nallo-pipeline fault suite: own stack in ${stateDir}, ready in ${Date.now() - startedAt} ms\n`,
  );
}
