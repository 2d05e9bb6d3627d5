import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { AlloApiContractServer, CONTRACT_API_KEY } from '@allo-pipeline/testing';
import { AlloApiClient } from './allo-api-client.js';
import type { AlloDeps } from './allo-deps.js';
import { disconnectSource } from './allo-disconnect.js';
import { rotateSource } from './allo-rotate.js';
import { runAlloCommand } from './allo-run-command.js';
import { readSourcesFile, writeSourcesFile } from './allo-sources-file.js';

const URL_EU = 'https://hooks.example.test/webhooks/allo/eu';

describe('allo disconnect and the safety stops of allo rotate', () => {
  let server: AlloApiContractServer;
  let dir: string;
  let lines: string[];
  const file = () => join(dir, 'allo-sources.json');

  beforeEach(async () => {
    server = await AlloApiContractServer.start();
    dir = mkdtempSync(join(tmpdir(), 'allo-disconnect-'));
    lines = [];
    const webhook = server.seed({ url: URL_EU, topics: ['sms.received'] });
    writeSourcesFile(
      file(),
      new Map([
        ['eu', { secrets: [webhook.signing_secret], url: URL_EU, webhookId: webhook.id }],
        ['us', { secrets: [webhook.signing_secret] }],
      ]),
    );
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function deps(): AlloDeps {
    let clock = 0;
    return {
      api: new AlloApiClient({ baseUrl: server.url, apiKey: CONTRACT_API_KEY }),
      env: { apiUrl: server.url, sourcesFile: file(), gatewayUrl: 'http://gw.test' },
      // A gateway that answers but never reads the file.
      gatewayStatus: () =>
        Promise.resolve({ ok: true, status: { generatedAt: '', sourcesFile: null, sources: {} } }),
      out: (line) => lines.push(line),
      now: () => clock,
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
    };
  }

  it('deletes nothing when not confirmed', async () => {
    expect(await disconnectSource(deps(), { source: 'eu', confirm: () => Promise.resolve(false) })).toBe(1);
    expect(server.webhooks()).toHaveLength(1);
    expect(readSourcesFile(file()).has('eu')).toBe(true);
  });

  it('deletes the webhook and removes only that source once confirmed', async () => {
    const questions: string[] = [];
    const confirm = (question: string) => {
      questions.push(question);
      return Promise.resolve(true);
    };
    expect(await disconnectSource(deps(), { source: 'eu', confirm })).toBe(0);
    expect(questions[0]).toMatch(
      /^Delete ep_\w+ \(https:\/\/hooks\.example\.test\/webhooks\/allo\/eu\) at Allo\?/,
    );
    expect(server.webhooks()).toEqual([]);
    expect([...readSourcesFile(file()).keys()]).toEqual(['us']);
  });

  it('refuses without --yes when there is no terminal to ask on', async () => {
    const errors: string[] = [];
    const run = (yes: boolean) =>
      runAlloCommand(
        { kind: 'disconnect', source: 'eu', yes },
        {
          env: { ALLO_API_KEY: CONTRACT_API_KEY, ALLO_API_URL: server.url, ALLO_SOURCES_FILE: file() },
          stateDir: () => dir,
        },
        {
          out: (text) => lines.push(text),
          stderr: { write: (text: string) => errors.push(text) },
          logger: pino({ level: 'silent' }),
          stdin: Object.assign(new PassThrough(), { isTTY: false }),
        },
      );
    expect(await run(false)).toBe(1);
    expect(errors.join('')).toContain('no terminal to confirm on: run again with --yes');
    expect(server.webhooks()).toHaveLength(1);
    expect(await run(true)).toBe(0);
    expect(server.webhooks()).toEqual([]);
  });

  it('rotate creates nothing at Allo when the gateway does not pick up the sources file', async () => {
    await expect(rotateSource(deps(), { source: 'eu', waitSeconds: 5, graceSeconds: 0 })).rejects.toThrow(
      /did not pick up the change.*nothing was created at Allo/,
    );
    expect(server.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(readSourcesFile(file()).get('eu')?.awaitingSecret).toBeUndefined();
  });
});
