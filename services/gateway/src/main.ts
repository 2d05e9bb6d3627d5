import { pino } from 'pino';
import { readConfigOrExit, runUntilStopped } from '@allo-pipeline/service-lifecycle';
import { parseGatewayConfig } from './config.js';
import { startGateway } from './start-gateway.js';

// Wiring only: config, logger, dependencies. The logic lives in create-gateway.ts; signals and
// the supervisor's going away in @allo-pipeline/service-lifecycle.
const logger = pino({ name: 'gateway', level: process.env.LOG_LEVEL || 'info' });
const config = readConfigOrExit(logger, () => parseGatewayConfig(process.env));
await runUntilStopped({
  name: 'gateway',
  logger,
  start: async () => {
    const gateway = await startGateway(config, logger);
    logger.info(
      { url: gateway.url, sources: [...config.sources.keys()], topic: config.rawTopic },
      'gateway listening',
    );
    return gateway;
  },
});
