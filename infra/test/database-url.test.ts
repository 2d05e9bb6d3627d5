import { describe, expect, it } from '@jest/globals';
import { StackConfigError } from '../src/index.js';
import {
  databaseAddress,
  describeDatabaseUrl,
  namesLoopbackPort,
  REGISTRY_SCHEMA,
  toJdbcDataSource,
} from '../src/database-url.js';

describe('toJdbcDataSource', () => {
  it('keeps host, port and database, sets the schema, and returns the credentials apart', () => {
    expect(toJdbcDataSource('postgres://app:s3cret@db.internal:6543/allo', REGISTRY_SCHEMA)).toEqual({
      url: 'jdbc:postgresql://db.internal:6543/allo?currentSchema=apicurio_registry',
      username: 'app',
      password: 's3cret',
    });
  });

  it('URL-decodes user, password and database, and never puts the password in the URL', () => {
    const source = toJdbcDataSource(
      'postgresql://us%40er:p%3Aa%2Fss%40w0rd@127.0.0.1:15432/read%20models',
      's',
    );

    expect(source.username).toBe('us@er');
    expect(source.password).toBe('p:a/ss@w0rd');
    expect(source.url).toBe('jdbc:postgresql://127.0.0.1:15432/read%20models?currentSchema=s');
    expect(source.url).not.toContain('w0rd');
  });

  it('keeps sslmode and drops the other parameters', () => {
    const source = toJdbcDataSource('postgres://u:p@h/db?application_name=x&sslmode=require', 'r');

    expect(source.url).toBe('jdbc:postgresql://h:5432/db?currentSchema=r&sslmode=require');
  });

  it('defaults the port to 5432, the database to the user name (as libpq), and the password to empty', () => {
    expect(toJdbcDataSource('postgres://reader@h', 'r')).toEqual({
      url: 'jdbc:postgresql://h:5432/reader?currentSchema=r',
      username: 'reader',
      password: '',
    });
  });

  it('keeps an IPv6 host in brackets', () => {
    expect(toJdbcDataSource('postgres://u:p@[::1]:5433/db', 'r').url).toBe(
      'jdbc:postgresql://[::1]:5433/db?currentSchema=r',
    );
  });

  it('rejects what it cannot translate, naming the variable but not echoing the value', () => {
    const attempt = (url: string) => () => toJdbcDataSource(url, 'r');

    expect(attempt('mysql://u:topsecret@h/db')).toThrow(StackConfigError);
    expect(attempt('mysql://u:topsecret@h/db')).toThrow(/^DATABASE_URL has the scheme 'mysql:'/);
    expect(attempt('not a url, topsecret')).toThrow(/^DATABASE_URL is not a URL/);
    expect(attempt('postgres://h/db')).toThrow(/DATABASE_URL names no user/);
    for (const url of ['mysql://u:topsecret@h/db', 'not a url, topsecret']) {
      expect(attempt(url)).not.toThrow(/topsecret/);
    }
  });
});

describe('postgres URL helpers', () => {
  it('describes a URL as host:port/database, without user or password', () => {
    expect(describeDatabaseUrl('postgres://u:pw@db:6000/allo?sslmode=require')).toBe('db:6000/allo');
    expect(describeDatabaseUrl('postgres://u@db')).toBe('db:5432/u');
  });

  it('recognises the loopback address on a given port (the embedded server)', () => {
    expect(namesLoopbackPort('postgres://u:p@127.0.0.1:15432/postgres', 15432)).toBe(true);
    expect(namesLoopbackPort('postgres://u:p@localhost:15432/other', 15432)).toBe(true);
    expect(namesLoopbackPort('postgres://u:p@127.0.0.1:5432/postgres', 15432)).toBe(false);
    expect(namesLoopbackPort('postgres://u:p@db.internal:15432/postgres', 15432)).toBe(false);
  });

  it('gives the address to probe, IPv6 brackets removed', () => {
    expect(databaseAddress('postgres://u@[::1]:5433/db')).toEqual({ host: '::1', port: 5433 });
    expect(databaseAddress('postgres://u@h/db')).toEqual({ host: 'h', port: 5432 });
  });
});
