import { describe, expect, it } from '@jest/globals';
import { formatBytes, formatResetListing, resetWarnings } from '../src/reset-listing.js';
import type { ResetPlan } from '../src/reset-listing.js';

const plan: ResetPlan = {
  stateDir: '/s',
  deletions: [
    {
      label: 'kafka',
      target: '/s/kafka',
      contents: '(data, cluster id)',
      bytes: 12_345_678,
      meaning: 'the raw log: every stored webhook',
    },
    {
      label: 'registry',
      target: 'schema apicurio_registry in h:1/db',
      contents: '(tables)',
      bytes: undefined,
      meaning: 'x',
    },
  ],
  stops: [{ service: 'kafka', pid: 42 }],
  kept: ['credentials: /s/dev-api-token (only a reset of the whole stack deletes them)'],
  warnings: ['mind the offsets'],
};

describe('formatBytes', () => {
  it('uses bytes below 1 kB and one decimal above', () => {
    expect([0, 999, 1000, 1234, 12_345_678, 999_999, 5e9].map(formatBytes)).toEqual([
      '0 B',
      '999 B',
      '1.0 kB',
      '1.2 kB',
      '12.3 MB',
      '1.0 MB',
      '5.0 GB',
    ]);
  });
});

describe('formatResetListing', () => {
  it('lists each target with its contents, size and what is lost, then the stops, the kept and the warnings', () => {
    expect(formatResetListing(plan).split('\n')).toEqual([
      'stack reset (state folder /s) will delete:',
      '  kafka:    /s/kafka (data, cluster id) 12.3 MB — the raw log: every stored webhook',
      '  registry: schema apicurio_registry in h:1/db (tables) size unknown — x',
      'It first stops: kafka (pid 42)',
      'It keeps:',
      '  - credentials: /s/dev-api-token (only a reset of the whole stack deletes them)',
      'Warnings:',
      '  ! mind the offsets',
    ]);
  });

  it('says when there is nothing to delete', () => {
    const empty = formatResetListing({ ...plan, deletions: [], stops: [], warnings: [] });

    expect(empty.split('\n')[0]).toBe('stack reset (state folder /s): nothing to delete');
    expect(empty).toContain('It keeps:');
  });
});

describe('resetWarnings', () => {
  it('warns that projectors refuse a deleted log whose read models are kept, and how to rebuild', () => {
    const [warning, ...rest] = resetWarnings({
      kafkaLog: 'deleted',
      readModels: 'kept',
      registrySchemas: 'kept',
    });

    expect(rest).toEqual([]);
    expect(warning).toMatch(/projectors will refuse to continue.*`npm run cli -- rebuild <projection>`/);
  });

  it("warns that a kept log's schema ids are orphaned when the registry's schemas go", () => {
    const [warning, ...rest] = resetWarnings({
      kafkaLog: 'kept',
      readModels: 'deleted',
      registrySchemas: 'deleted',
    });

    expect(rest).toEqual([]);
    expect(warning).toMatch(/schema ids that will no longer exist \(orphaned\)/);
  });

  it('has nothing to say when everything goes, or nothing refers to what goes', () => {
    expect(resetWarnings({ kafkaLog: 'deleted', readModels: 'deleted', registrySchemas: 'deleted' })).toEqual(
      [],
    );
    expect(resetWarnings({ kafkaLog: 'deleted', readModels: 'absent', registrySchemas: 'absent' })).toEqual(
      [],
    );
    expect(resetWarnings({ kafkaLog: 'absent', readModels: 'deleted', registrySchemas: 'deleted' })).toEqual(
      [],
    );
  });
});
