import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { RawRecordCodec, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import { stackDown, stackUp } from '../src/index.js';
import { privateEnv } from './private-stack.js';

// Issue 10: the schema id in every stored raw record stays resolvable. Raw records are encoded
// against a private registry (SQL storage in its Postgres), the registry alone is restarted, and
// a codec that never saw them (no client-side cache) decodes every one.

const stateDir = mkdtempSync(join('/var/tmp', 'allo-registry-restart-'));
let env: NodeJS.ProcessEnv;

afterAll(async () => {
  if (env) await stackDown({ stateDir, env });
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

function record(i: number): RawWebhookRecord {
  const body = JSON.stringify({
    topic: 'sms.received',
    version: '2.0',
    timestamp: new Date().toISOString(),
    data: { id: `msg_${i}`, content: `text ${i}` },
  });
  return {
    webhookId: `msg_restart_${i}`,
    webhookTimestamp: 1_767_225_600 + i,
    receivedAt: Date.now(),
    source: 'default',
    topic: 'sms.received',
    body: Buffer.from(body),
  };
}

describe('a registry restart', () => {
  it('keeps every schema id that stored records refer to', async () => {
    env = await privateEnv();
    const { endpoints } = await stackUp({ stateDir, env, services: ['postgres', 'registry'] });
    const before = await RawRecordCodec.connect(endpoints.schemaRegistryUrl, 'restart.raw');
    const records = Array.from({ length: 20 }, (_, i) => record(i));
    const values = await Promise.all(records.map((r) => before.encode(r)));

    await stackDown({ stateDir, env, services: ['registry'] });
    await stackUp({ stateDir, env, services: ['registry'] });
    // A plain client, not RawRecordCodec.connect: registering again would hide lost schemas
    // behind a new id that may happen to be the same number.
    const after = new SchemaRegistry({ host: endpoints.schemaRegistryUrl });
    const decoded = (await Promise.all(values.map((v) => after.decode(v)))) as Array<{
      webhook_id: string;
      body: Buffer;
    }>;

    expect(decoded.map((r) => r.webhook_id)).toEqual(records.map((r) => r.webhookId));
    expect(decoded.map((r) => r.body.toString())).toEqual(records.map((r) => r.body.toString()));
  }, 180_000);
});
