import { pino } from 'pino';
import { parseGatewayConfig } from './config.js';
import { startGateway } from './start-gateway.js';

// Wiring only: config, logger, dependencies, signals. The logic lives in create-gateway.ts.
const logger = pino({ name: 'gateway', level: process.env.LOG_LEVEL || 'info' });
let config;
try {
  config = parseGatewayConfig(process.env);
} catch (error) {
  logger.fatal((error as Error).message);
  process.exit(2);
}
const gateway = await startGateway(config, logger);
logger.info(
  { url: gateway.url, sources: [...config.sources.keys()], topic: config.rawTopic },
  'gateway listening',
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway shutting down');
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'gateway shutdown failed');
        process.exit(1);
      },
    );
  });
}
