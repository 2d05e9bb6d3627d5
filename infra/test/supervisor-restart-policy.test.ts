import { describe, expect, it } from '@jest/globals';
import { decideRestart, DEFAULT_RESTART_POLICY, type RestartDecision } from '../src/restart-policy.js';

const policy = DEFAULT_RESTART_POLICY;
const crash = (uptimeMs: number) => ({ code: 1, signal: null, uptimeMs });

/** The delays of consecutive exits, each after `uptimeMs`, feeding each streak into the next. */
function delaysOf(uptimesMs: readonly number[]): number[] {
  let streak = 0;
  return uptimesMs.map((uptimeMs) => {
    const decision = decideRestart(policy, crash(uptimeMs), streak);
    if (decision.action !== 'restart') throw new Error(`expected a restart, got ${decision.action}`);
    streak = decision.streak;
    return decision.delayMs;
  });
}

describe('decideRestart', () => {
  it('starts at 1 s and doubles with each short run, capped at 30 s', () => {
    expect(delaysOf([500, 500, 500, 500, 500, 500, 500, 500])).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('stays capped however long the streak (no overflow)', () => {
    expect(decideRestart(policy, crash(10), 5_000)).toEqual({
      action: 'restart',
      delayMs: 30_000,
      streak: 5_001,
    });
  });

  it('resets the backoff after a run of at least 60 s', () => {
    expect(delaysOf([500, 500, 500, 60_000, 500, 500])).toEqual([1_000, 2_000, 4_000, 1_000, 2_000, 4_000]);
    expect(delaysOf([500, 500, 59_999])).toEqual([1_000, 2_000, 4_000]);
  });

  it('never restarts a configuration error (exit code 2), however long it ran', () => {
    const giveUp: RestartDecision = { action: 'give-up', reason: 'configuration error' };
    expect(decideRestart(policy, { code: 2, signal: null, uptimeMs: 300 }, 0)).toEqual(giveUp);
    expect(decideRestart(policy, { code: 2, signal: null, uptimeMs: 3_600_000 }, 4)).toEqual(giveUp);
  });

  it('restarts a signal and an exit 0 the supervisor did not ask for', () => {
    expect(decideRestart(policy, { code: null, signal: 'SIGKILL', uptimeMs: 12_300 }, 2)).toMatchObject({
      action: 'restart',
      delayMs: 4_000,
    });
    expect(decideRestart(policy, { code: 0, signal: null, uptimeMs: 100 }, 0)).toMatchObject({
      action: 'restart',
      delayMs: 1_000,
    });
  });
});
