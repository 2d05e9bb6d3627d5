import { describe, expect, it } from '@jest/globals';
import type { SupervisorState } from '@allo-pipeline/infra';
import type { ProjectionStatus } from '@allo-pipeline/projection-runtime';
import { formatServices, formatStatus } from './format-status.js';

const stopped: ProjectionStatus = {
  projection: 'calls',
  liveVersion: 1,
  epoch: '3',
  partial: null,
  clusterId: 'c1',
  partitions: [{ partition: 0, nextOffset: '12', low: '0', high: '4', lag: 0, lastEventAt: null }],
  lag: 0,
  lastEventAt: null,
  deadLetters: 0,
  problems: [
    {
      kind: 'log-discontinuity',
      message:
        'projection calls stopped and applies nothing: partition 0: stored next offset 12 is above the log end 4',
      fix: 'npm run cli -- rebuild calls',
      since: new Date('2026-12-01T10:00:00Z'),
      detail: [{ kind: 'ahead-of-log', partition: 0, nextOffset: '12', high: '4' }],
    },
  ],
};

describe('status output', () => {
  it('says a projection is stopped, why, since when and what to run', () => {
    const text = formatStatus([stopped]);
    expect(text).toContain('calls: STOPPED, live g1 (epoch 3)');
    expect(text).toContain('problem (since 2026-12-01T10:00:00.000Z): projection calls stopped');
    expect(text).toContain('fix: npm run cli -- rebuild calls');
    expect(
      formatStatus([{ ...stopped, problems: [], partial: 'built from 2026-01-01T00:00:00.000Z' }]),
    ).toContain('calls: ok, live g1 (epoch 3)');
  });

  it('lists the services of npm start with restarts and last exit', () => {
    const state: SupervisorState = {
      pid: 4242,
      startedAt: '2026-12-01T09:00:00.000Z',
      script: 'infra/dist/start.js',
      stopping: false,
      services: [
        { name: 'gateway', pid: 11, state: 'running', restarts: 0, lastExit: null, nextRestartAt: null },
        {
          name: 'projector-calls',
          pid: null,
          state: 'restarting',
          restarts: 3,
          lastExit: { code: null, signal: 'SIGKILL', at: '2026-12-01T09:10:00.000Z', uptimeMs: 12_300 },
          nextRestartAt: '2026-12-01T09:10:04.000Z',
        },
      ],
    };
    const text = formatServices(state, '/var/tmp/stack');
    expect(text).toContain('services (npm start, pid 4242, since 2026-12-01T09:00:00.000Z)');
    expect(text).toMatch(/gateway +running +pid 11 +restarts 0 +no exit/);
    expect(text).toMatch(
      /projector-calls +restarting +pid - +restarts 3 +last exit signal SIGKILL at 2026-12-01T09:10:00.000Z after 12.3 s, restarting at 2026-12-01T09:10:04.000Z/,
    );
    expect(formatServices(undefined, '/var/tmp/stack')).toBe(
      'services: no npm start is running on /var/tmp/stack',
    );
  });
});
