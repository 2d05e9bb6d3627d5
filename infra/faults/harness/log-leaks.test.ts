import { describe, expect, it } from '@jest/globals';
import { generateHistory } from '@allo-pipeline/allo-simulator';
import { generateSecret, parseSecret, signWebhook } from '@allo-pipeline/webhook-signature';
import { logLeaks } from './verify.js';

// The fault suite's log scan must find what it looks for, or its clean result means nothing.
describe('logLeaks', () => {
  const secretText = generateSecret();
  const [event] = generateHistory({
    seed: 1,
    calls: 0,
    smsConversations: 0,
    contacts: 1,
    startAt: new Date(0),
  });
  const body = event!.body;
  const signature = signWebhook({
    id: 'msg_1',
    timestamp: 1,
    body: Buffer.from(body),
    secret: parseSecret(secretText, 'test'),
  });
  const scan = (line: string): string[] =>
    logLeaks(
      { secretText, services: () => [{ spec: { name: 'gateway' }, lines: [line], logFile: 'g.log' }] },
      [body],
    );

  it('passes a clean pino line', () => {
    expect(scan('{"level":30,"webhookId":"msg_1","status":202,"msg":"webhook"}')).toEqual([]);
  });

  it.each([
    ['the secret', secretText],
    ['its key alone', secretText.replace(/^whsec_/, '')],
    ['a signature', `{"msg":"bad","sig":"${signature}"}`],
    ['a body', `{"msg":"x","body":${JSON.stringify(body)}}`],
    ['a raw body', body],
  ])('finds %s', (_what, line) => {
    expect(scan(line)).not.toEqual([]);
  });
});
