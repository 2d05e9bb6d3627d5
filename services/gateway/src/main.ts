import { pino } from 'pino';
import { startupLogLevel } from '@allo-pipeline/service-config';
import { readConfigOrExit, runUntilStopped } from '@allo-pipeline/service-lifecycle';
import { parseGatewayConfig } from './config.js';
import { startGateway, type RunningGateway } from './start-gateway.js';

// Wiring only: config, logger, dependencies. The logic lives in create-gateway.ts; signals and
// the supervisor's going away in @allo-pipeline/service-lifecycle.
const logger = pino({ name: 'gateway', level: startupLogLevel(process.env) });
const config = readConfigOrExit(logger, () => parseGatewayConfig(process.env));
let running: RunningGateway | undefined;
// SIGHUP re-reads the sources file (its default action would end the process); before the
// gateway is up it is ignored, as start-up reads the file anyway.
process.on('SIGHUP', () => void running?.reloadSources('SIGHUP'));
await runUntilStopped({
  name: 'gateway',
  logger,
  start: async () => {
    const gateway = await startGateway(config, logger);
    running = gateway;
    logger.info(
      { url: gateway.url, sources: [...config.sources.keys()], topic: config.rawTopic },
      'gateway listening',
    );
    return gateway;
  },
});
