import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { classifyFailure, describeFailure } from './batch-failure.js';
import { applyIsolating, type IsolationDeps } from './batch-isolation.js';
import { RegistryUnavailableError } from './decode-messages.js';

class DataError extends Error {
  constructor(readonly code: string) {
    super(`data error ${code}`);
  }
}

/** A fake partition: records are numbers; `poison` ones fail with `error` whenever they are in a range. */
function partition(poison: ReadonlySet<number>, error: () => Error, transientFailures = 0) {
  const applied: number[] = [];
  const deadLetters: number[] = [];
  let failuresLeft = transientFailures;
  const deps: IsolationDeps<number> = {
    apply: (range) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        return Promise.reject(Object.assign(new Error('connection reset'), { code: 'ECONNRESET' }));
      }
      if (range.some((r) => poison.has(r))) return Promise.reject(error());
      applied.push(...range);
      return Promise.resolve({ kind: 'committed' });
    },
    deadLetter: (message) => {
      deadLetters.push(message);
      applied.push(message);
      return Promise.resolve({ kind: 'committed' });
    },
    classify: classifyFailure,
    isRunning: () => true,
    pause: () => Promise.resolve(true),
    onFailure: () => undefined,
    onSuccess: () => undefined,
    maxUnknownAttempts: 5,
  };
  return { deps, applied, deadLetters };
}

describe('failure classification', () => {
  it('retries the environment and isolates the data', () => {
    expect(classifyFailure(new DataError('22P05'))).toBe('deterministic');
    expect(classifyFailure(new DataError('22003'))).toBe('deterministic');
    expect(classifyFailure(new DataError('23502'))).toBe('deterministic');
    expect(classifyFailure(new DataError('54001'))).toBe('deterministic');
    expect(classifyFailure(new RangeError('Maximum call stack size exceeded'))).toBe('deterministic');
    for (const code of ['40001', '40P01', '57P01', '57P03', '53300', '08006', '55P03', '42P01'])
      expect([code, classifyFailure(new DataError(code))]).toEqual([code, 'transient']);
    expect(classifyFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('transient');
    expect(classifyFailure(new Error('Connection terminated unexpectedly'))).toBe('transient');
    expect(classifyFailure(new RegistryUnavailableError('7', new Error('down')))).toBe('transient');
    expect(classifyFailure(new TypeError('cannot read properties of undefined'))).toBe('unknown');
  });

  it('describes a failure with its SQLSTATE', () => {
    expect(describeFailure(new DataError('22P05'))).toBe('data error 22P05 (SQLSTATE 22P05)');
    expect(describeFailure(new TypeError('boom'))).toBe('boom');
  });
});

describe('applyIsolating', () => {
  it('dead-letters exactly the poison records and applies every other one, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 59 }), { maxLength: 6 }),
        fc.constantFrom('22P05', '22003', 'range', 'type'),
        async (size, poisonAt, kind) => {
          const records = Array.from({ length: size }, (_, i) => i);
          const poison = new Set(poisonAt.filter((p) => p < size));
          const error = () =>
            kind === 'range'
              ? new RangeError('stack')
              : kind === 'type'
                ? new TypeError('fold')
                : new DataError(kind);
          const { deps, applied, deadLetters } = partition(poison, error);
          const outcome = await applyIsolating(records, deps);
          expect(outcome).toEqual({ kind: 'committed' });
          expect(applied).toEqual(records);
          expect(deadLetters).toEqual([...poison].sort((a, b) => a - b));
        },
      ),
    );
  });

  it('retries transient failures without dead-lettering anything', async () => {
    const { deps, applied, deadLetters } = partition(new Set(), () => new Error('unused'), 7);
    expect(await applyIsolating([1, 2, 3], deps)).toEqual({ kind: 'committed' });
    expect(applied).toEqual([1, 2, 3]);
    expect(deadLetters).toEqual([]);
  });

  it('bounds the attempts behind one record whose error is unknown', async () => {
    const { deps, deadLetters } = partition(new Set([0]), () => new TypeError('fold'));
    let attempts = 0;
    await applyIsolating([0], { ...deps, onFailure: () => (attempts += 1) });
    expect(deadLetters).toEqual([0]);
    expect(attempts).toBe(5);
  });

  it('stops without applying more when the runner stops', async () => {
    const { deps, applied } = partition(new Set(), () => new Error('unused'), 1);
    expect(await applyIsolating([1, 2], { ...deps, pause: () => Promise.resolve(false) })).toEqual({
      kind: 'stopped',
    });
    expect(applied).toEqual([]);
  });
});
