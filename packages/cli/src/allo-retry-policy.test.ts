import { describe, expect, it } from '@jest/globals';
import { decideRetry, DEFAULT_RETRY_POLICY, type FailedAttempt } from './allo-retry-policy.js';

const policy = DEFAULT_RETRY_POLICY;
const decide = (failure: Partial<FailedAttempt>, random = () => 0.5) =>
  decideRetry({ attempt: 1, method: 'GET', ...failure }, policy, random);

describe('decideRetry', () => {
  it('waits what Allo asks for on a 429 (retry_after_seconds before Retry-After)', () => {
    expect(decide({ status: 429, retryAfterSeconds: 3, retryAfterHeader: '9' })).toEqual({
      retry: true,
      delayMs: 3000,
    });
    expect(decide({ status: 429, retryAfterHeader: '9' })).toEqual({ retry: true, delayMs: 9000 });
    expect(decide({ status: 429, retryAfterSeconds: 0 })).toEqual({ retry: true, delayMs: 0 });
  });

  it('backs off exponentially with bounded jitter when no delay is named', () => {
    const delays = [1, 2, 3].map((attempt) => decide({ attempt, status: 429 }, () => 0.9999));
    expect(delays.map((d) => (d.retry ? d.delayMs : -1))).toEqual([500, 1000, 2000]);
    const low = decide({ attempt: 3, status: 503 }, () => 0);
    expect(low).toEqual({ retry: true, delayMs: 1000 });
  });

  it('gives up after maxAttempts, and at once when asked to wait longer than maxDelayMs', () => {
    expect(decide({ attempt: 4, status: 429, retryAfterSeconds: 1 })).toEqual({
      retry: false,
      reason: 'attempts-exhausted',
    });
    expect(decide({ status: 429, retryAfterSeconds: 3600 })).toEqual({
      retry: false,
      reason: 'wait-too-long',
      waitMs: 3_600_000,
    });
  });

  it('retries what Allo marks retryable, even a POST, and never what it marks not retryable', () => {
    expect(decide({ method: 'POST', status: 503, retryable: true }).retry).toBe(true);
    expect(decide({ method: 'GET', status: 503, retryable: false }).retry).toBe(false);
  });

  it('does not repeat a POST that may have gone through (no answer, or a bare 5xx)', () => {
    expect(decide({ method: 'POST' }).retry).toBe(false);
    expect(decide({ method: 'POST', status: 502 }).retry).toBe(false);
    expect(decide({ method: 'PUT' }).retry).toBe(true);
    expect(decide({ method: 'DELETE', status: 502 }).retry).toBe(true);
  });

  it('never retries client errors', () => {
    for (const status of [400, 401, 404]) expect(decide({ status }).retry).toBe(false);
  });
});
