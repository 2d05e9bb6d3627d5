import { stackDown, stackEnv, stackUp } from '@allo-pipeline/infra';
import { isStackEnvReachable } from './stack-reachable.js';

/**
 * Jest global setup for the integration project: reuses the stack named by KAFKA_BROKERS,
 * SCHEMA_REGISTRY_URL and DATABASE_URL when all three answer, else starts (or reuses) the local
 * process stack. Workers inherit the endpoints through process.env.
 */
export default async function globalSetup(): Promise<void> {
  if (await isStackEnvReachable(process.env)) {
    process.stderr.write('\nallo-pipeline tests: using the stack given by the environment\n');
    return;
  }
  if (process.env.STACK === 'containers') {
    throw new Error(
      'STACK=containers needs a Docker engine, and none answers here; unset STACK to use the local process stack',
    );
  }
  const startedAt = Date.now();
  const onProgress = (line: string) => process.stderr.write(`  stack: ${line}\n`);
  let result: Awaited<ReturnType<typeof stackUp>>;
  try {
    result = await stackUp({ onProgress });
  } catch (error) {
    // One server failed: stop the others this attempt started, so nothing outlives the run.
    await stackDown({ onProgress }).catch(() => undefined);
    throw error;
  }
  const { endpoints, started, reused } = result;
  Object.assign(process.env, stackEnv(endpoints));
  process.env.ALLO_TEST_STACK_STARTED = started.join(',');
  process.stderr.write(
    `\nallo-pipeline tests: stack ready in ${Date.now() - startedAt} ms (started: ${started.join(', ') || 'none'}; reused: ${reused.join(', ') || 'none'})\n`,
  );
}
