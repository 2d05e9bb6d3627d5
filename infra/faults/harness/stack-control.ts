import { stackDown, stackUp, type ServiceName } from '@allo-pipeline/infra';

// Stopping and starting one server of the fault suite's own stack (never a shared one): the
// state folder and ports its global setup exported. DATABASE_URL is left out, as the setup
// started it: with it, the stack would take Postgres for an external server and leave it alone.

function suiteStack(services: readonly ServiceName[]): Parameters<typeof stackDown>[0] {
  const stateDir = process.env.FAULTS_STACK_STATE_DIR;
  if (!stateDir) throw new Error('FAULTS_STACK_STATE_DIR not set: run through the faults jest project');
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  return { stateDir, env, services };
}

/** Stops `service` of the suite's stack; resolves once its process is gone. */
export async function stopServer(service: ServiceName): Promise<void> {
  await stackDown(suiteStack([service]));
}

/** Starts `service` of the suite's stack again; resolves once it is ready. */
export async function startServer(service: ServiceName): Promise<void> {
  await stackUp(suiteStack([service]));
}
