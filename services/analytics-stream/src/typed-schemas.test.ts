import { describe, expect, it } from '@jest/globals';
import avro from 'avsc';
import { alloFixtures } from '@allo-pipeline/projection-runtime';
import { applyRawRecord, createPartitionState } from './partition-state.js';
import { TYPED_SCHEMAS_V1, valueSubject, type Entity } from './typed-schemas.js';

const T0 = new Date('2026-02-03T09:12:04.201Z');
const typeOf = (entity: Entity) => avro.Type.forSchema(TYPED_SCHEMAS_V1[entity] as unknown as avro.Schema);

describe('typed schemas v1', () => {
  it('accept every value the partition state produces, and round-trip it', () => {
    const state = createPartitionState();
    const records = [
      alloFixtures.callReceived({ from: '+1', to: '+2', startedAt: T0 }),
      alloFixtures.callCompleted({ id: 'cll_1', from: '+1', to: '+2', startedAt: T0 }),
      alloFixtures.smsReceived({ id: 'msg_1', content: 'é "q"\n', at: T0 }),
      alloFixtures.contactUpdated({ id: 'con_1', jobTitle: 'VP', at: T0 }),
    ];
    const entities = new Set<Entity>();
    for (const record of records) {
      const output = applyRawRecord(state, record);
      if (output.kind !== 'record') throw new Error(`no record for ${record.topic}`);
      const type = typeOf(output.entity);
      const errors: string[] = [];
      type.isValid(output.value, { errorHook: (path) => errors.push(path.join('.')) });
      expect(errors).toEqual([]);
      expect(type.fromBuffer(type.toBuffer(output.value))).toEqual(output.value);
      entities.add(output.entity);
    }
    expect([...entities].sort()).toEqual(['calls', 'contacts', 'messages']);
  });

  it('mark times as timestamp-millis and unconfirmed fields as nullable with default null', () => {
    const fields = TYPED_SCHEMAS_V1.calls.fields as Array<{ name: string; type: unknown; default?: unknown }>;
    const field = (name: string) => fields.find((f) => f.name === name);
    expect(field('event_time')?.type).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
    expect(field('started_at')).toMatchObject({
      type: ['null', { logicalType: 'timestamp-millis' }],
      default: null,
    });
    expect(field('result')).toMatchObject({ type: ['null', 'string'], default: null });
  });

  it('let a reader with a new optional field read version-1 data (what BACKWARD requires)', () => {
    const v1 = typeOf('messages');
    const schema = TYPED_SCHEMAS_V1.messages as unknown as { fields: unknown[] };
    const v2 = avro.Type.forSchema({
      ...schema,
      fields: [...schema.fields, { name: 'channel', type: ['null', 'string'], default: null }],
    } as avro.Schema);
    const state = createPartitionState();
    const output = applyRawRecord(state, alloFixtures.smsReceived({ id: 'm', content: 'x', at: T0 }));
    if (output.kind !== 'record') throw new Error('no record');
    const read = v2.fromBuffer(v1.toBuffer(output.value), v2.createResolver(v1)) as Record<string, unknown>;
    expect(read).toMatchObject({ message_id: 'm', content: 'x', channel: null });
  });

  it('name subjects by TopicNameStrategy', () => {
    expect(valueSubject('allo.calls.v1')).toBe('allo.calls.v1-value');
  });
});
