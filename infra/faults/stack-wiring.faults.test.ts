import { describe, expect, it } from '@jest/globals';
import { readStackEnv } from '@allo-pipeline/testing';

// The fault suite must never run against the shared test stack or a user's: its scenarios stop,
// kill and fill servers. Its global setup starts a stack of its own; this checks the wiring.
describe('the fault suite stack', () => {
  it('is its own, in its own state folder', () => {
    const env = readStackEnv();
    expect(process.env.FAULTS_STACK_STATE_DIR).toMatch(/^\/var\/tmp\/allo-faults-stack-/);
    expect(env.KAFKA_BROKERS).toBe(`127.0.0.1:${process.env.KAFKA_PORT}`);
    expect(env.KAFKA_BROKERS).not.toBe('127.0.0.1:19092');
  });
});
