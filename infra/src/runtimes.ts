import { kafkaRuntimes, kafkaService } from './kafka-service.js';
import { postgresService } from './postgres-service.js';
import { registryService } from './registry-service.js';
import { ensureServiceDown } from './service-lifecycle.js';
import type { ServiceRuntime } from './service-runtime.js';
import type { ServiceName, StackConfig } from './stack-config.js';

/** How each service is fetched, launched, probed and stopped. */
export const RUNTIMES: Record<ServiceName, ServiceRuntime> = {
  kafka: kafkaService,
  registry: registryService,
  postgres: postgresService,
};

/** The processes of `service`: one, except Kafka's nodes in a cluster. */
export function runtimesOf(service: ServiceName, config: StackConfig): ServiceRuntime[] {
  return service === 'kafka' ? kafkaRuntimes(config) : [RUNTIMES[service]];
}

/**
 * Stops the given services this stack started: Kafka and the registry first (in parallel), then
 * Postgres, which the registry keeps its schemas in. Resolves with those that were running.
 */
export async function stopServices(
  config: StackConfig,
  services: readonly ServiceName[],
): Promise<ServiceName[]> {
  const stopped = new Set<ServiceName>();
  const stopGroup = async (group: ServiceName[]): Promise<void> => {
    const results = await Promise.all(
      group.map(async (service) => {
        const each = await Promise.all(
          runtimesOf(service, config).map((runtime) => ensureServiceDown(runtime, config)),
        );
        return each.some(Boolean);
      }),
    );
    group.forEach((service, index) => results[index] && stopped.add(service));
  };
  await stopGroup(services.filter((service) => service !== 'postgres'));
  if (services.includes('postgres')) await stopGroup(['postgres']);
  return services.filter((service) => stopped.has(service));
}
