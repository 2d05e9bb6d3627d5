import { describe, expect, it, jest } from '@jest/globals';
import { describeSecretOrigin, resolveSecret, SECRET_VARIABLE } from './secret-lookup.js';

const kept = { value: 'whsec_kept', file: '/state/dev-webhook-secret' };

describe('resolveSecret', () => {
  it('takes --secret first, without looking for the development secret', () => {
    const lookup = jest.fn(() => kept);
    const found = resolveSecret('whsec_flag', { [SECRET_VARIABLE]: 'whsec_env' }, lookup);
    expect(found).toEqual({ kind: 'found', value: 'whsec_flag', origin: { kind: 'flag', name: '--secret' } });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('takes the variable next', () => {
    const lookup = jest.fn(() => kept);
    const found = resolveSecret(undefined, { [SECRET_VARIABLE]: 'whsec_env' }, lookup);
    expect(found).toMatchObject({ kind: 'found', value: 'whsec_env', origin: { kind: 'env' } });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('falls back to the development secret of npm start, and says where it is kept', () => {
    const found = resolveSecret(undefined, { [SECRET_VARIABLE]: '  ' }, () => kept);
    expect(found).toEqual({
      kind: 'found',
      value: 'whsec_kept',
      origin: { kind: 'development', name: kept.file, file: kept.file },
    });
    if (found.kind !== 'found') return;
    expect(describeSecretOrigin(found.origin)).toContain(kept.file);
    expect(describeSecretOrigin(found.origin)).not.toContain('whsec_kept');
  });

  it('says what to do when there is none', () => {
    const missing = resolveSecret(undefined, {}, () => undefined);
    expect(missing.kind).toBe('missing');
    if (missing.kind !== 'missing') return;
    expect(missing.message).toContain('--secret');
    expect(missing.message).toContain(SECRET_VARIABLE);
    expect(missing.message).toContain('npm start');
  });
});
