import { pino } from 'pino';
import { startupLogLevel } from '@allo-pipeline/service-config';
import { readConfigOrExit, runUntilStopped } from '@allo-pipeline/service-lifecycle';
import { parseQueryApiConfig } from './config.js';
import { startQueryApi } from './start-query-api.js';

// Wiring only: config, logger, service. The logic lives in create-query-api.ts; signals and the
// supervisor's going away in @allo-pipeline/service-lifecycle.
const logger = pino({ name: 'query-api', level: startupLogLevel(process.env) });
const config = readConfigOrExit(logger, () => parseQueryApiConfig(process.env));
await runUntilStopped({
  name: 'query API',
  logger,
  start: async () => {
    const api = await startQueryApi(config, logger);
    logger.info(
      { url: api.url, topic: config.rawTopic, kafka: config.kafka !== null },
      'query API listening',
    );
    return api;
  },
});
