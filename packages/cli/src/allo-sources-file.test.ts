import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  parseSourcesFile,
  readSourcesFile,
  serializeSourcesFile,
  SourcesFileError,
  withSecret,
  withSource,
  writeSourcesFile,
} from './allo-sources-file.js';

const A = 'whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=';
const B = 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

describe('sources file', () => {
  it("reads every form the gateway reads: string, array and the CLI's object with notes", () => {
    const sources = parseSourcesFile(
      JSON.stringify({
        default: `${A} ${B}`,
        us: [A],
        eu: {
          secrets: [B],
          url: 'https://x.test/webhooks/allo/eu',
          webhook_id: 'ep_1',
          retiring_webhook_ids: ['ep_0'],
        },
      }),
      'f.json',
    );
    expect(Object.fromEntries(sources)).toEqual({
      default: { secrets: [A, B] },
      us: { secrets: [A] },
      eu: {
        secrets: [B],
        url: 'https://x.test/webhooks/allo/eu',
        webhookId: 'ep_1',
        retiringWebhookIds: ['ep_0'],
      },
    });
  });

  it('round-trips through its serialisation', () => {
    const sources = new Map([
      [
        'eu',
        {
          secrets: [A, B],
          url: 'https://x.test/webhooks/allo/eu',
          webhookId: 'ep_1',
          retiringWebhookIds: ['ep_0'],
        },
      ],
      ['default', { secrets: [A] }],
    ]);
    expect(parseSourcesFile(serializeSourcesFile(sources), 'f.json')).toEqual(sources);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['an array', '[]', /JSON object/],
    ['a bad name', JSON.stringify({ 'a b': A }), /bad source name/],
    ['a bad secret', JSON.stringify({ eu: ['whsec_%%%'] }), /secret 1 of "eu" is not/],
    ['no secrets', JSON.stringify({ eu: { url: 'https://x.test' } }), /"eu" has no secrets/],
  ])('rejects %s, naming the file and never echoing a secret', (_case, text, message) => {
    const run = () => parseSourcesFile(text, '/state/allo-sources.json');
    expect(run).toThrow(SourcesFileError);
    expect(run).toThrow(message);
    expect(run).toThrow(/\/state\/allo-sources.json/);
    try {
      run();
    } catch (error) {
      expect((error as Error).message).not.toContain('%%%');
    }
  });

  it('appends a secret after the active ones, once', () => {
    const entry = withSecret({ secrets: [A], url: 'https://x.test' }, B);
    expect(entry).toEqual({ secrets: [A, B], url: 'https://x.test' });
    expect(withSecret(entry, A).secrets).toEqual([B, A]);
    expect(withSecret(undefined, A)).toEqual({ secrets: [A] });
  });

  it('sets and removes sources without touching the others', () => {
    const sources = new Map([['us', { secrets: [A] }]]);
    const added = withSource(sources, 'eu', { secrets: [B] });
    expect([...added.keys()]).toEqual(['us', 'eu']);
    expect([...withSource(added, 'us', undefined).keys()]).toEqual(['eu']);
    expect(sources.size).toBe(1);
  });

  it('writes in one step with mode 600 and leaves no temporary file; a missing file reads as empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'allo-sources-'));
    try {
      const path = join(dir, 'state', 'allo-sources.json');
      expect(readSourcesFile(path).size).toBe(0);
      writeSourcesFile(path, new Map([['eu', { secrets: [A] }]]));
      writeFileSync(join(dir, 'state', 'other'), '');
      writeSourcesFile(path, new Map([['eu', { secrets: [A, B] }]]));
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readdirSync(join(dir, 'state')).sort()).toEqual(['allo-sources.json', 'other']);
      expect(readSourcesFile(path).get('eu')?.secrets).toEqual([A, B]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
