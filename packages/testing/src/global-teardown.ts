import { stackDown, type ServiceName } from '@allo-pipeline/infra';

/** Stops only what this test run started; a stack that was already up stays up. KEEP_STACK=1 keeps all. */
export default async function globalTeardown(): Promise<void> {
  const started = (process.env.ALLO_TEST_STACK_STARTED ?? '').split(',').filter(Boolean) as ServiceName[];
  if (started.length === 0 || process.env.KEEP_STACK === '1') return;
  await stackDown({ services: started });
}
