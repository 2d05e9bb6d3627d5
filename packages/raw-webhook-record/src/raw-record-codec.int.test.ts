import { describe, expect, it } from '@jest/globals';
import { readStackEnv, uniqueName } from '@allo-pipeline/testing';
import { RawRecordCodec, RawRecordDecodeError } from './raw-record-codec.js';

describe('RawRecordCodec against the real schema registry', () => {
  it('registers once, encodes in Confluent wire format and decodes the exact record', async () => {
    const topic = uniqueName('raw').replace(/_/g, '.');
    const codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
    const again = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
    expect(again.schemaId).toBe(codec.schemaId);

    const record = {
      webhookId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      webhookTimestamp: 1767225600,
      receivedAt: 1767225601234,
      source: 'default',
      topic: null,
      body: Buffer.from('not json \u0000 \u00ff', 'latin1'),
    };
    const value = await codec.encode(record);
    expect(value[0]).toBe(0);
    expect(value.readInt32BE(1)).toBe(codec.schemaId);
    expect(await codec.decode(value)).toEqual(record);
    expect(await codec.isReachable()).toBe(true);
  });

  it('rejects values that are not RawWebhook records with a typed error', async () => {
    const codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, uniqueName('raw'));
    await expect(codec.decode(Buffer.from('{"plain":"json"}'))).rejects.toBeInstanceOf(RawRecordDecodeError);
    await expect(codec.decode(null)).rejects.toBeInstanceOf(RawRecordDecodeError);
  });
});
