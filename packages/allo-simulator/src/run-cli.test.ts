import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAckLog } from './ack-log.js';
import { runCli } from './run-cli.js';
import { startTestServer, type TestServer } from './test-server.js';

const env = { ALLO_WEBHOOK_SECRET: 'whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=' };
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    output: {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
    },
  };
}

async function serve(refuseTopic: string): Promise<TestServer> {
  const server = await startTestServer((r) => ({
    status: r.body.includes(`"topic":"${refuseTopic}"`) ? 500 : 200,
  }));
  cleanup.push(() => server.close());
  return server;
}

describe('runCli', () => {
  it('writes exactly the acknowledged events to the ack log and prints a JSON report', async () => {
    const server = await serve('contact.updated');
    const dir = await mkdtemp(join(tmpdir(), 'allo-sim-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const ackLog = join(dir, 'acks.jsonl');
    const { out, output } = capture();
    const argv = ['--url', server.url, '--seed', '5', '--time-scale', '0', '--ack-log', ackLog, '--json'];
    const code = await runCli([...argv, '--duplicate-rate', '0.2', '--reorder-window', '4'], env, output);
    const report = JSON.parse(out.stdout) as { acknowledged: number; failed: number; duplicatesSent: number };
    expect(code).toBe(1); // the refused contact.updated events failed
    expect(report.failed).toBeGreaterThan(0);
    expect(report.duplicatesSent).toBeGreaterThan(0);
    const accepted = new Map(
      server.requests
        .filter((r) => !r.body.includes('"topic":"contact.updated"'))
        .map((r) => [r.headers['webhook-id'], r.body]),
    );
    const entries = await readAckLog(ackLog);
    expect(entries).toHaveLength(report.acknowledged);
    expect(new Map(entries.map((e) => [e.id, e.body]))).toEqual(accepted);
  });

  it('prints a readable report and exits 0 when everything is acknowledged', async () => {
    const server = await serve('none');
    const { out, output } = capture();
    expect(
      await runCli(['--url', server.url, '--calls', '2', '--sms', '1', '--contacts', '2'], env, output),
    ).toBe(0);
    expect(out.stdout).toMatch(/acknowledged\s+\d+/);
    expect(out.stdout).toMatch(/failed\s+0/);
  });

  it('exits 2 with the usage on bad flags', async () => {
    const { out, output } = capture();
    expect(await runCli(['--rate', 'fast'], env, output)).toBe(2);
    expect(out.stderr).toContain('--rate');
    expect(out.stderr).toContain('Usage:');
  });
});
