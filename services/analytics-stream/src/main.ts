import { pino } from 'pino';
import { startupLogLevel } from '@allo-pipeline/service-config';
import { readConfigOrExit, runUntilStopped } from '@allo-pipeline/service-lifecycle';
import { parseAnalyticsStreamConfig } from './config.js';
import { startAnalyticsStream } from './start-analytics-stream.js';

// Wiring only: config once (exit 2 naming the variable), start, stop on a signal or when the
// supervisor goes away. A consumer that crashed for good exits 1 so the supervisor restarts it.
const logger = pino({ name: 'analytics-stream', level: startupLogLevel(process.env) });
const config = readConfigOrExit(logger, () => parseAnalyticsStreamConfig(process.env));
await runUntilStopped({
  name: 'analytics-stream',
  logger,
  start: async (controls) => {
    const service = await startAnalyticsStream(config, logger, {
      onCrash: (error) => controls.fail(error, 'consumer crashed and will not restart; exiting'),
    });
    logger.info(
      {
        url: service.url,
        rawTopic: config.rawTopic,
        typedTopics: config.typedTopics,
        groupId: config.groupId,
      },
      'analytics stream listening',
    );
    return service;
  },
});
