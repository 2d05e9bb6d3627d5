import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readSupervisorState, supervisorStatePath, type SupervisorState } from '../src/index.js';
import { removeSupervisorState, writeSupervisorState } from '../src/supervisor-state.js';

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'allo-supervisor-state-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

/** A state whose supervisor is this very process (its script is in our command line). */
function stateOfThisProcess(overrides: Partial<SupervisorState> = {}): SupervisorState {
  return {
    pid: process.pid,
    startedAt: '2026-12-01T10:00:00.000Z',
    script: process.argv[1] ?? '',
    stopping: false,
    services: [
      {
        name: 'projector-calls',
        pid: null,
        state: 'restarting',
        restarts: 3,
        lastExit: { code: null, signal: 'SIGKILL', at: '2026-12-01T10:05:00.000Z', uptimeMs: 12_300 },
        nextRestartAt: '2026-12-01T10:05:04.000Z',
      },
    ],
    ...overrides,
  };
}

describe('supervisor.json', () => {
  it('reads back what was written, from <stateDir>/supervisor.json, mode 600, no temporary file left', () => {
    const state = stateOfThisProcess();
    writeSupervisorState(stateDir, state);
    writeSupervisorState(stateDir, { ...state, stopping: true });

    expect(supervisorStatePath(stateDir)).toBe(join(stateDir, 'supervisor.json'));
    expect(readSupervisorState(stateDir)).toEqual({ ...state, stopping: true });
    expect(statSync(supervisorStatePath(stateDir)).mode & 0o777).toBe(0o600);
    expect(readdirSync(stateDir)).toEqual(['supervisor.json']);
  });

  it('creates the state folder when missing', () => {
    const nested = join(stateDir, 'not', 'yet');
    writeSupervisorState(nested, stateOfThisProcess());
    expect(readSupervisorState(nested)?.pid).toBe(process.pid);
  });

  it('is undefined without a file, after removal, or for an unreadable file', () => {
    expect(readSupervisorState(stateDir)).toBeUndefined();
    writeSupervisorState(stateDir, stateOfThisProcess());
    removeSupervisorState(stateDir);
    expect(readSupervisorState(stateDir)).toBeUndefined();
    writeFileSync(supervisorStatePath(stateDir), '{"pid": 12');
    expect(readSupervisorState(stateDir)).toBeUndefined();
    writeFileSync(supervisorStatePath(stateDir), '{"pid": "12", "script": "x", "services": []}');
    expect(readSupervisorState(stateDir)).toBeUndefined();
  });

  it('is undefined when its supervisor is no longer alive', () => {
    const exited = spawnSync(process.execPath, ['-e', '0']);
    expect(exited.pid).toBeGreaterThan(0);
    writeSupervisorState(stateDir, stateOfThisProcess({ pid: exited.pid }));
    expect(readSupervisorState(stateDir)).toBeUndefined();
  });

  it('is undefined when the pid now belongs to another program (recycled)', () => {
    writeSupervisorState(stateDir, stateOfThisProcess({ script: '/nowhere/infra/dist/start.js' }));
    expect(readSupervisorState(stateDir)).toBeUndefined();
  });
});
