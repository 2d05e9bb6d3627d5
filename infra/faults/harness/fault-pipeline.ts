import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { PROJECTION_NAMES, type ProjectionName } from '@allo-pipeline/read-models';
import {
  createTestDatabase,
  freePort,
  readStackEnv,
  uniqueName,
  type TestDatabase,
} from '@allo-pipeline/testing';
import { generateSecret, parseSecret, type WebhookSecret } from '@allo-pipeline/webhook-signature';
import { ServiceProcess, type ServiceKind } from './service-process.js';

// The pipeline of one scenario: gateways and projectors as real processes against the fault
// suite's stack, on a raw topic, consumer groups and a read-model database of its own (so no
// scenario sees another's records or rows), free ports, a fresh webhook secret.

export interface FaultPipelineOptions {
  /** The scenario's name: in topic, group and database names and the log folder. */
  readonly scenario: string;
  /** Gateways side by side (default 1). */
  readonly gateways?: number;
  /** Instances of each projector in the same consumer group (default 1). */
  readonly projectorInstances?: number;
  /**
   * Restart a service that exits with code 1 (a failed start-up, or a crash it could not recover
   * from), as the supervisor of `npm start` does. Default true; each such exit is in the notes.
   */
  readonly restartOnFailure?: boolean;
  /** The stack's endpoints (default: the fault suite's, from the environment). */
  readonly stack?: { KAFKA_BROKERS: string; SCHEMA_REGISTRY_URL: string; DATABASE_URL: string };
}

/** Where the scenarios keep their logs and the summary rows (the suite's state folder). */
export function suiteStateDir(): string {
  return process.env.FAULTS_STACK_STATE_DIR ?? join(tmpdir(), 'allo-faults');
}

/** What every child inherits from the test's environment: nothing of the stack's variables. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TZ']) if (process.env[name]) env[name] = process.env[name];
  return env;
}

export class FaultPipeline {
  readonly gateways: ServiceProcess[] = [];
  readonly projectors: Record<ProjectionName, ServiceProcess[]> = { calls: [], messages: [], contacts: [] };
  readonly secret: WebhookSecret;
  readonly logDir: string;
  /** Services started for a rebuild comparison (kept for the log scan). */
  readonly extraServices: ServiceProcess[] = [];

  private constructor(
    readonly options: FaultPipelineOptions,
    readonly stack: { KAFKA_BROKERS: string; SCHEMA_REGISTRY_URL: string; DATABASE_URL: string },
    readonly rawTopic: string,
    readonly database: TestDatabase<unknown>,
    /** The whsec_… text the gateways are given (scanned for in the logs). */
    readonly secretText: string,
  ) {
    this.secret = parseSecret(secretText, 'ALLO_WEBHOOK_SECRET');
    this.logDir = join(suiteStateDir(), 'logs', options.scenario);
  }

  static async create(options: FaultPipelineOptions): Promise<FaultPipeline> {
    const stack = options.stack ?? readStackEnv();
    const previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = stack.DATABASE_URL; // createTestDatabase reads the stack's server from it
    const database = await createTestDatabase<unknown>(`faults_${options.scenario}`).finally(() => {
      if (previous === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previous;
    });
    const topic = uniqueName(`faults-${options.scenario}-raw`);
    const pipeline = new FaultPipeline(options, stack, topic, database, generateSecret());
    for (let i = 0; i < (options.gateways ?? 1); i++) await pipeline.addGateway(`gateway-${letter(i)}`);
    for (const projection of PROJECTION_NAMES) {
      const groupId = uniqueName(`faults-${options.scenario}-${projection}`);
      for (let i = 0; i < (options.projectorInstances ?? 1); i++) {
        pipeline.projectors[projection].push(
          await pipeline.projector(projection, `projector-${projection}-${letter(i)}`, database.url, groupId),
        );
      }
    }
    return pipeline;
  }

  get endpoints(): { databaseUrl: string } {
    return { databaseUrl: this.database.url };
  }

  kafka(): Kafka {
    return new Kafka({
      clientId: 'faults-probe',
      brokers: this.stack.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
  }

  webhookUrl(gateway = 0): string {
    return `${this.gateways[gateway]!.url}/webhooks/allo`;
  }

  allProjectors(): ServiceProcess[] {
    return PROJECTION_NAMES.flatMap((projection) => this.projectors[projection]);
  }

  services(): ServiceProcess[] {
    return [...this.gateways, ...this.allProjectors(), ...this.extraServices];
  }

  /** Starts the gateways (the first creates the raw topic), then the projectors; waits until all are ready. */
  async start(timeoutMs = 90_000): Promise<void> {
    for (const gateway of this.gateways) gateway.start();
    await Promise.all(this.gateways.map((gateway) => gateway.waitReady(timeoutMs)));
    for (const projector of this.allProjectors()) projector.start();
    await Promise.all(this.allProjectors().map((projector) => projector.waitReady(timeoutMs)));
  }

  private async addGateway(name: string): Promise<ServiceProcess> {
    const port = await freePort();
    const gateway = new ServiceProcess({
      kind: 'gateway',
      name,
      port,
      logDir: this.logDir,
      restartOnFailure: this.options.restartOnFailure ?? true,
      env: {
        ...this.commonEnv(),
        GATEWAY_PORT: String(port),
        GATEWAY_HOST: '127.0.0.1',
        ALLO_WEBHOOK_SECRET: this.secretText,
        // Allo's attempt deadline is 20 s; a refusal sooner keeps the scenarios short.
        GATEWAY_ACK_DEADLINE_MS: '4000',
        GATEWAY_SHUTDOWN_TIMEOUT_MS: '5000',
      },
    });
    this.gateways.push(gateway);
    return gateway;
  }

  /** A projector process of `projection` on `databaseUrl` in consumer group `groupId` (not started). */
  async projector(
    projection: ProjectionName,
    name: string,
    databaseUrl: string,
    groupId: string,
  ): Promise<ServiceProcess> {
    const port = await freePort();
    const upper = projection.toUpperCase();
    return new ServiceProcess({
      kind: `projector-${projection}` as ServiceKind,
      name,
      port,
      logDir: this.logDir,
      restartOnFailure: this.options.restartOnFailure ?? true,
      env: {
        ...this.commonEnv(),
        DATABASE_URL: databaseUrl,
        [`PROJECTOR_${upper}_PORT`]: String(port),
        [`PROJECTOR_${upper}_GROUP_ID`]: groupId,
        PROJECTOR_HOST: '127.0.0.1',
        // The broker's minimum: a killed projector's partitions move on after 6 s.
        PROJECTOR_SESSION_TIMEOUT_MS: '6000',
        PROJECTOR_SHUTDOWN_TIMEOUT_MS: '5000',
      },
    });
  }

  private commonEnv(): NodeJS.ProcessEnv {
    return {
      ...baseEnv(),
      KAFKA_BROKERS: this.stack.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: this.stack.SCHEMA_REGISTRY_URL,
      RAW_TOPIC: this.rawTopic,
      LOG_LEVEL: 'info',
    };
  }

  /** SIGKILLs every process, drops the database and deletes the raw topic (best effort). */
  async dispose(): Promise<void> {
    await Promise.all(this.services().map((service) => service.kill()));
    await this.database.drop().catch(() => undefined);
    const admin = this.kafka().admin();
    await admin
      .connect()
      .then(() => admin.deleteTopics({ topics: [this.rawTopic], timeout: 5_000 }))
      .catch(() => undefined)
      .finally(() => admin.disconnect());
  }
}

function letter(i: number): string {
  return String.fromCharCode(97 + i);
}
