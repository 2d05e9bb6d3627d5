import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { TypedTopics } from './config.js';
import { TYPED_SCHEMAS_V1, valueSubject, type Entity, type TypedSchemas } from './typed-schemas.js';

const REGISTER_ATTEMPTS = 8;
const CONFLUENT_JSON = 'application/vnd.schemaregistry.v1+json';

/** The registry refused a typed schema: it would break readers of the subject's latest version. */
export class SchemaIncompatibleError extends Error {
  constructor(
    readonly subject: string,
    readonly detail: string,
  ) {
    super(
      `schema for ${subject} is not BACKWARD compatible with the registered latest version (${detail}); ` +
        'nothing was published. Add fields as optional (["null", ...] with default null) or publish to a new topic version',
    );
    this.name = 'SchemaIncompatibleError';
  }
}

/** Encodes typed values in Confluent wire format with the schema ids registered at start-up. */
export interface TypedCodec {
  readonly schemaIds: Readonly<Record<Entity, number>>;
  encode(entity: Entity, value: object): Promise<Buffer>;
}

/**
 * Registers each entity's schema under `<topic>-value` with BACKWARD compatibility, after asking
 * the registry whether it is compatible with the subject's latest version: an incompatible schema
 * is a SchemaIncompatibleError before any registration or publish. Idempotent: the same schema
 * gets the same id again. Other registry failures are retried a few times, then thrown.
 */
export async function registerTypedSchemas(
  registryUrl: string,
  topics: TypedTopics,
  schemas: TypedSchemas = TYPED_SCHEMAS_V1,
): Promise<TypedCodec> {
  const registry = new SchemaRegistry({ host: registryUrl });
  const ids = {} as Record<Entity, number>;
  for (const entity of ['calls', 'messages', 'contacts'] as const) {
    const subject = valueSubject(topics[entity]);
    const schema = JSON.stringify(schemas[entity]);
    await assertCompatible(registryUrl, subject, schema);
    ids[entity] = await register(registry, subject, schema);
  }
  return {
    schemaIds: ids,
    encode: (entity, value) => registry.encode(ids[entity], value),
  };
}

/** Asks the registry (Confluent API) whether `schema` may follow the subject's latest version. */
export async function assertCompatible(registryUrl: string, subject: string, schema: string): Promise<void> {
  const url = `${registryUrl}/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': CONFLUENT_JSON, accept: CONFLUENT_JSON },
    body: JSON.stringify({ schema }),
  });
  // No version yet: the first version is compatible by definition.
  if (response.status === 404) return;
  const body = (await response.json().catch(() => ({}))) as { is_compatible?: unknown; message?: unknown };
  if (response.status === 409 || (response.ok && body.is_compatible === false))
    throw new SchemaIncompatibleError(
      subject,
      typeof body.message === 'string' ? body.message : 'is_compatible: false',
    );
  if (!response.ok || body.is_compatible !== true)
    throw new Error(
      `compatibility check of ${subject} failed: HTTP ${response.status}` +
        (typeof body.message === 'string' ? ` (${body.message})` : ''),
    );
}

async function register(registry: SchemaRegistry, subject: string, schema: string): Promise<number> {
  // Several processes register at once on a fresh registry; Apicurio then answers 409 to all but
  // one of the subject's config writes. A retry finds the subject and registers idempotently.
  for (let attempt = 1; ; attempt += 1) {
    try {
      const { id } = await registry.register(
        { type: SchemaType.AVRO, schema },
        { subject, compatibility: COMPATIBILITY.BACKWARD },
      );
      return id;
    } catch (error) {
      if (attempt >= REGISTER_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}
