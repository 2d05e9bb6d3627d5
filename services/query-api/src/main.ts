import { pino } from 'pino';
import { parseQueryApiConfig, type QueryApiConfig } from './config.js';
import { startQueryApi } from './start-query-api.js';

// Wiring only: config, logger, service, signals. The logic lives in create-query-api.ts.
const logger = pino({ name: 'query-api', level: process.env.LOG_LEVEL || 'info' });
let config: QueryApiConfig;
try {
  config = parseQueryApiConfig(process.env);
} catch (error) {
  logger.fatal((error as Error).message);
  process.exit(2);
}
const api = await startQueryApi(config, logger);
logger.info(
  { url: api.url, topic: config.rawTopic, kafka: config.kafkaBrokers !== null },
  'query API listening',
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'query API shutting down');
    api.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'query API shutdown failed');
        process.exit(1);
      },
    );
  });
}
