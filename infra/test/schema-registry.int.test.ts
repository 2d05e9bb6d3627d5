import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';

// Round trips through @kafkajs/confluent-schema-registry against the local Apicurio Registry's
// Confluent-compatible API (SCHEMA_REGISTRY_URL).
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? '';
const registry = new SchemaRegistry({ host: registryUrl });
const suffix = randomUUID().slice(0, 8);
const subjects = { avro: `infra-avro-${suffix}-value`, json: `infra-json-${suffix}-value` };

const callSchema = {
  type: 'record',
  name: 'CallStarted',
  namespace: `allo.infra.test${suffix}`,
  fields: [
    { name: 'callId', type: 'string' },
    { name: 'durationSeconds', type: 'int' },
  ],
};

const contactSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { contactId: { type: 'string' }, name: { type: 'string' } },
  required: ['contactId'],
};

afterAll(async () => {
  // Apicurio deletes a subject in two steps, like Confluent: soft, then permanent.
  for (const subject of Object.values(subjects)) {
    await fetch(`${registryUrl}/subjects/${subject}`, { method: 'DELETE' });
    await fetch(`${registryUrl}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
  }
});

describe('schema registry (Apicurio, Confluent-compatible API)', () => {
  it('registers an Avro schema, encodes, decodes and fetches it by id', async () => {
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(callSchema) },
      { subject: subjects.avro },
    );
    const encoded = await registry.encode(id, { callId: 'c-1', durationSeconds: 42 });
    const decoded: unknown = await registry.decode(encoded);
    const fetched = await registry.getSchema(id);
    const again = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(callSchema) },
      { subject: subjects.avro },
    );

    expect(encoded.readUInt8(0)).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);
    expect({ ...(decoded as object) }).toEqual({ callId: 'c-1', durationSeconds: 42 });
    expect((fetched as { name?: string }).name).toBe(`allo.infra.test${suffix}.CallStarted`);
    expect(again.id).toBe(id);
    expect(await registry.getLatestSchemaId(subjects.avro)).toBe(id);
  }, 30_000);

  it('registers a JSON Schema, encodes, decodes, validates and fetches it by id', async () => {
    const { id } = await registry.register(
      { type: SchemaType.JSON, schema: JSON.stringify(contactSchema) },
      { subject: subjects.json },
    );
    const encoded = await registry.encode(id, { contactId: 'k-1', name: 'Ada' });
    const decoded: unknown = await registry.decode(encoded);
    // isValid only reports failures when given an errorHook (library quirk in 3.9.0).
    const fetched = (await registry.getSchema(id)) as {
      isValid(payload: object, opts: { errorHook: () => void }): boolean;
    };
    const reportErrors = { errorHook: () => undefined };
    const stored = (await (await fetch(`${registryUrl}/schemas/ids/${id}`)).json()) as { schema: string };

    expect(decoded).toEqual({ contactId: 'k-1', name: 'Ada' });
    expect(JSON.parse(stored.schema)).toEqual(contactSchema);
    expect(fetched.isValid({ contactId: 'k-2' }, reportErrors)).toBe(true);
    expect(fetched.isValid({ name: 'no id' }, reportErrors)).toBe(false);
    await expect(registry.encode(id, { name: 'no id' })).rejects.toThrow();
  }, 30_000);
});
