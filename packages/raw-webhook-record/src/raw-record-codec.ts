import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import {
  fromAvroValue,
  RAW_WEBHOOK_AVRO_SCHEMA,
  toAvroValue,
  type RawWebhookAvroValue,
  type RawWebhookRecord,
} from './raw-webhook-record.js';

const REGISTER_ATTEMPTS = 8;

/** A raw-topic value that is not a Confluent-framed RawWebhook Avro record. */
export class RawRecordDecodeError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'RawRecordDecodeError';
  }
}

/**
 * Encodes and decodes raw-topic values in Confluent wire format (magic byte, schema id, Avro)
 * against a real schema registry. Create it once per process with `connect`, which registers the
 * schema (idempotent) so encoding needs no network round trip afterwards.
 */
export class RawRecordCodec {
  private constructor(
    private readonly registry: SchemaRegistry,
    readonly schemaId: number,
  ) {}

  /** Registers the RawWebhook schema under `<topic>-value` and returns a codec bound to its id. */
  static async connect(registryUrl: string, topic: string): Promise<RawRecordCodec> {
    const registry = new SchemaRegistry({ host: registryUrl });
    const schema = { type: SchemaType.AVRO as const, schema: JSON.stringify(RAW_WEBHOOK_AVRO_SCHEMA) };
    // Several services register at once on a fresh registry; Apicurio then answers 409 to all but
    // one of the subject's config writes. A retry finds the subject and registers idempotently.
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { id } = await registry.register(schema, { subject: `${topic}-value` });
        return new RawRecordCodec(registry, id);
      } catch (error) {
        if (attempt >= REGISTER_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  async encode(record: RawWebhookRecord): Promise<Buffer> {
    return this.registry.encode(this.schemaId, toAvroValue(record));
  }

  /** Decodes a value written by any version of the schema; throws RawRecordDecodeError otherwise. */
  async decode(value: Buffer | null): Promise<RawWebhookRecord> {
    if (value === null || value.length < 5 || value[0] !== 0) {
      throw new RawRecordDecodeError('value is not in Confluent wire format (magic byte 0 + schema id)');
    }
    let decoded: unknown;
    try {
      decoded = await this.registry.decode(value);
    } catch (error) {
      throw new RawRecordDecodeError(
        `value does not decode with its registered schema: ${String(error)}`,
        error,
      );
    }
    if (!isAvroValue(decoded)) throw new RawRecordDecodeError('decoded value is not a RawWebhook record');
    return fromAvroValue(decoded);
  }

  /** Whether the registry answers; used by readiness probes. */
  async isReachable(): Promise<boolean> {
    try {
      await this.registry.getSchema(this.schemaId);
      return true;
    } catch {
      return false;
    }
  }
}

function isAvroValue(value: unknown): value is RawWebhookAvroValue {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.webhook_id === 'string' && Buffer.isBuffer(candidate.body);
}
