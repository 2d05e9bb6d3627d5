import { describe, expect, it } from '@jest/globals';
import { SourceActivity } from './source-activity.js';

const MINUTE = 60_000;

describe('SourceActivity', () => {
  it('counts refusals by kind and remembers the last accept per secret', () => {
    let now = 10 * MINUTE;
    const activity = new SourceActivity(() => now);
    activity.record('eu', { kind: 'accepted', secretFingerprint: 'old' });
    now += 1_000;
    activity.record('eu', { kind: 'accepted', secretFingerprint: 'new' });
    activity.record('eu', { kind: 'refused', status: 401, verificationFailed: true });
    activity.record('eu', { kind: 'refused', status: 413, verificationFailed: false });
    activity.record('eu', { kind: 'refused', status: 503, verificationFailed: false });
    expect(activity.snapshot('eu')).toEqual({
      lastAcceptedAt: now,
      lastVerifiedBySecret: { old: now - 1_000, new: now },
      lastHour: { accepted: 2, signatureFailures: 1, clientErrors: 2, serverErrors: 1 },
    });
    expect(activity.snapshot('us').lastAcceptedAt).toBeNull();
  });

  it('forgets counts older than an hour but keeps the last accepted time', () => {
    let now = 100 * MINUTE;
    const activity = new SourceActivity(() => now);
    activity.record('eu', { kind: 'refused', status: 401, verificationFailed: true });
    activity.record('eu', { kind: 'accepted', secretFingerprint: 'a' });
    now += 59 * MINUTE;
    activity.record('eu', { kind: 'refused', status: 401, verificationFailed: true });
    expect(activity.snapshot('eu').lastHour.signatureFailures).toBe(2);
    now += MINUTE;
    expect(activity.snapshot('eu').lastHour).toEqual({
      accepted: 0,
      signatureFailures: 1,
      clientErrors: 1,
      serverErrors: 0,
    });
    // The slot of minute 100 is reused at minute 160 and starts from zero.
    activity.record('eu', { kind: 'refused', status: 401, verificationFailed: true });
    expect(activity.snapshot('eu').lastHour.signatureFailures).toBe(2);
    expect(activity.snapshot('eu').lastAcceptedAt).toBe(100 * MINUTE);
  });
});
