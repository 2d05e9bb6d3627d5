import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { generateSecret, parseSecret, signWebhook } from '@allo-pipeline/webhook-signature';
import { WebhookRequestError } from './http-error.js';
import { LiveSources, type ReloadOutcome } from './live-sources.js';
import { receiveWebhook } from './receive-webhook.js';
import { secretFingerprint } from './secret-fingerprint.js';
import { loadSources, readSourceLayers } from './sources-config.js';

/** Captures log lines as JSON so tests can check that no secret reaches them. */
function capturingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

describe('LiveSources', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'live-sources-'));
    file = join(dir, 'allo-sources.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function start(initial: Record<string, unknown>, onReload?: (outcome: ReloadOutcome) => void) {
    writeFileSync(file, JSON.stringify(initial));
    const layers = readSourceLayers({ ALLO_SOURCES_FILE: file });
    const { logger, lines } = capturingLogger();
    const sources = new LiveSources({
      layers,
      initial: loadSources(layers),
      logger,
      now: Date.now,
      onReload,
    });
    return { sources, lines };
  }

  const prints = (sources: LiveSources, name: string) => sources.get(name)?.map(secretFingerprint);

  it('replaces the sources when the file changes and logs names and counts, never a secret', () => {
    const [a, b] = [generateSecret(), generateSecret()];
    const { sources, lines } = start({ eu: a });
    writeFileSync(file, JSON.stringify({ eu: { secrets: [a, b], url: 'https://x.test/webhooks/allo/eu' } }));
    expect(sources.reload('test')).toEqual({ ok: true, changed: true });
    expect(sources.get('eu')).toHaveLength(2);
    const log = lines.join('');
    expect(log).toContain('"changed":["eu"]');
    expect(log).toContain('"eu":2');
    for (const secret of [a, b]) expect(log).not.toContain(secret.slice(6));
  });

  it.each([
    ['bad JSON', '{"eu": '],
    ['a bad secret', JSON.stringify({ eu: 'whsec_%%%' })],
    ['no source at all', '{}'],
    ['a bad source name', JSON.stringify({ 'no spaces': generateSecret() })],
  ])('keeps the configuration in use when the file has %s, and says why', (_case, text) => {
    const secret = generateSecret();
    const { sources, lines } = start({ eu: secret });
    const before = prints(sources, 'eu');
    writeFileSync(file, text);
    const outcome = sources.reload('test');
    expect(outcome.ok).toBe(false);
    expect(prints(sources, 'eu')).toEqual(before);
    expect(sources.fileStatus()?.lastError?.message).toContain('ALLO_SOURCES_FILE');
    expect(lines.join('')).toContain('sources file rejected');
    expect(lines.join('')).not.toContain('%%%');
  });

  it('keeps the configuration when the file is deleted', () => {
    const { sources } = start({ eu: generateSecret() });
    rmSync(file);
    expect(sources.reload('test')).toMatchObject({
      ok: false,
      message: expect.stringContaining('cannot read'),
    });
    expect(sources.get('eu')).toHaveLength(1);
  });

  it('reports an unchanged file as unchanged', () => {
    const { sources } = start({ eu: generateSecret() });
    expect(sources.reload('test')).toEqual({ ok: true, changed: false });
  });

  it('picks up a file replaced by rename (as the CLI writes it) without being asked', async () => {
    const outcomes: ReloadOutcome[] = [];
    const { sources } = start({ eu: generateSecret() }, (outcome) => outcomes.push(outcome));
    sources.watch();
    try {
      const next = join(dir, '.allo-sources.json.tmp');
      writeFileSync(next, JSON.stringify({ eu: generateSecret(), us: generateSecret() }));
      renameSync(next, file);
      const deadline = Date.now() + 5_000;
      while (sources.get('us') === undefined && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(sources.get('us')).toHaveLength(1);
      expect(outcomes).toContainEqual({ ok: true, changed: true });
    } finally {
      sources.close();
    }
  });

  describe('while allo rotate awaits a new secret', () => {
    const body =
      '{"topic":"sms.received","version":"2.0","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"m"}}';
    function deliver(sources: LiveSources, secret: string) {
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = signWebhook({ id: 'msg_1', timestamp, body, secret: parseSecret(secret, 'S') });
      return receiveWebhook(
        {
          source: 'eu',
          body: Buffer.from(body),
          headers: {
            'webhook-id': 'msg_1',
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signature,
          },
        },
        {
          sources,
          publisher: {
            publish: () => Promise.resolve(),
            isConnected: () => true,
            close: () => Promise.resolve(),
          },
          encode: () => Promise.resolve(Buffer.from('x')),
          now: Date.now,
          toleranceSeconds: 300,
          ackDeadlineMs: 1000,
        },
      );
    }

    it('holds a delivery signed with the coming secret until the reload that brings it', async () => {
      const [old, next] = [generateSecret(), generateSecret()];
      const { sources } = start({ eu: { secrets: [old], awaiting_secret: true } });
      sources.reload('test');
      expect(sources.isAwaitingSecret('eu')).toBe(true);
      const held = deliver(sources, next);
      await new Promise((resolve) => setTimeout(resolve, 50));
      writeFileSync(file, JSON.stringify({ eu: { secrets: [old, next] } }));
      sources.reload('test');
      await expect(held).resolves.toMatchObject({ webhookId: 'msg_1' });
      expect(sources.isAwaitingSecret('eu')).toBe(false);
    });

    it('answers a bad signature at once when no secret is awaited', async () => {
      const { sources } = start({ eu: { secrets: [generateSecret()] } });
      const started = Date.now();
      await expect(deliver(sources, generateSecret())).rejects.toBeInstanceOf(WebhookRequestError);
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('gives up on a held delivery when the source stops awaiting without the secret', async () => {
      const { sources } = start({ eu: { secrets: [generateSecret()], awaiting_secret: true } });
      sources.reload('test');
      const held = deliver(sources, generateSecret());
      writeFileSync(file, JSON.stringify({ eu: { secrets: [generateSecret()] } }));
      sources.reload('test');
      await expect(held).rejects.toMatchObject({ status: 401 });
    });
  });
});
