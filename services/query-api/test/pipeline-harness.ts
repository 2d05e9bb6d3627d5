// Test support: the whole pipeline in-process on free ports (gateway → its own raw topic → the
// three projectors → its own database ← query API), against the stack the integration global
// setup started. Used by the dashboard browser test.
import { pino } from 'pino';
import {
  parseProjectorConfig,
  portVariable,
  startProjectorService,
  type RunningProjector,
} from '@allo-pipeline/projection-runtime';
import { DEFAULT_BODY_LIMIT_BYTES, rawTopicMaxMessageBytes } from '@allo-pipeline/raw-webhook-record';
import { PROJECTION_NAMES } from '@allo-pipeline/read-models';
import {
  createTestDatabase,
  createTestTopics,
  readStackEnv,
  uniqueName,
  type TestDatabase,
  type TestTopics,
} from '@allo-pipeline/testing';
import { generateSecret, parseSecret, type WebhookSecret } from '@allo-pipeline/webhook-signature';
import { parseGatewayConfig } from '../../gateway/src/config.js';
import { startGateway, type RunningGateway } from '../../gateway/src/start-gateway.js';
import { parseQueryApiConfig } from '../src/config.js';
import { startQueryApi, type RunningQueryApi } from '../src/start-query-api.js';

const PARTITIONS = 3;

export interface RunningPipeline {
  /** Where the simulator posts: http://127.0.0.1:<port>/webhooks/allo */
  readonly webhookUrl: string;
  readonly webhookSecret: WebhookSecret;
  /** The query API (and dashboard) base URL. */
  readonly apiUrl: string;
  readonly apiToken: string;
  /** Stops the query API early (to see the dashboard's error state); close() skips it then. */
  stopQueryApi(): Promise<void>;
  /** Stops every service, then drops the topic and the database; safe after a partial start. */
  close(): Promise<void>;
}

/** Starts the pipeline; on failure, stops whatever had started and rethrows. */
export async function startPipeline(name: string): Promise<RunningPipeline> {
  const stack = readStackEnv();
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const secret = generateSecret();
  const apiToken = `test-${uniqueName('token')}`;
  const started: { topics?: TestTopics; db?: TestDatabase<unknown>; gateway?: RunningGateway } = {};
  const projectors: RunningProjector[] = [];
  let api: RunningQueryApi | undefined;
  const stopQueryApi = async (): Promise<void> => {
    const running = api;
    api = undefined;
    await running?.close();
  };
  const close = async (): Promise<void> => {
    await Promise.allSettled([stopQueryApi(), started.gateway?.close(), ...projectors.map((p) => p.close())]);
    await Promise.allSettled([started.topics?.drop(), started.db?.drop()]);
  };
  try {
    // The gateway checks at start-up that the raw topic holds its largest accepted body.
    started.topics = await createTestTopics([`${name}-raw`], PARTITIONS, {
      'max.message.bytes': String(rawTopicMaxMessageBytes(DEFAULT_BODY_LIMIT_BYTES)),
    });
    started.db = await createTestDatabase(name);
    const rawTopic = started.topics.names[0]!;
    const shared = { ...stack, DATABASE_URL: started.db.url, RAW_TOPIC: rawTopic };
    // The API first: it migrates and creates every live generation, so projectors only find them.
    api = await startQueryApi(
      parseQueryApiConfig({ ...shared, API_TOKENS: apiToken, API_PORT: '0', API_HOST: '127.0.0.1' }),
      logger,
    );
    const env = { ...shared, RAW_TOPIC_PARTITIONS: String(PARTITIONS), PROJECTOR_HOST: '127.0.0.1' };
    await Promise.all(
      PROJECTION_NAMES.map(async (projection) => {
        const config = parseProjectorConfig({ ...env, [portVariable(projection)]: '0' }, projection);
        const projector = await startProjectorService(
          { ...config, groupId: uniqueName(`${name}-${projection}`) },
          logger,
          { consumer: { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 } },
        );
        projectors.push(projector);
      }),
    );
    started.gateway = await startGateway(
      parseGatewayConfig({
        ...env,
        ALLO_WEBHOOK_SECRET: secret,
        GATEWAY_PORT: '0',
        GATEWAY_HOST: '127.0.0.1',
      }),
      logger,
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    webhookUrl: `${started.gateway.url}/webhooks/allo`,
    webhookSecret: parseSecret(secret, 'webhook secret'),
    apiUrl: api.url,
    apiToken,
    stopQueryApi,
    close,
  };
}
