import { describe, expect, it } from '@jest/globals';
import type { AlloWebhook } from './allo-api-client.js';
import type { GatewayStatus } from './allo-gateway-status.js';
import { AUTO_DISABLE_RULE, formatAlloStatus, type AlloStatusModel } from './allo-status-format.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const SECRET = 'whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=';
const URL_EU = 'https://h.test/webhooks/allo/eu';

function webhook(overrides: Partial<AlloWebhook> = {}): AlloWebhook {
  return {
    id: 'ep_1',
    url: URL_EU,
    topics: ['call.completed'],
    description: null,
    enabled: true,
    signing_secret: null,
    created_at: null,
    ...overrides,
  };
}

function gateway(
  lastHour: Partial<GatewayStatus['sources'][string]['lastHour']> = {},
): AlloStatusModel['gateway'] {
  return {
    ok: true,
    status: {
      generatedAt: new Date(NOW).toISOString(),
      sourcesFile: { path: '/s/allo-sources.json', loadedAt: '2026-01-01T11:00:00.000Z', lastError: null },
      sources: {
        eu: {
          secrets: [{ fingerprint: '89c7460452eddff1', lastVerifiedAt: '2026-01-01T11:57:00.000Z' }],
          lastAcceptedAt: '2026-01-01T11:57:00.000Z',
          lastHour: { accepted: 40, signatureFailures: 0, clientErrors: 0, serverErrors: 0, ...lastHour },
        },
      },
    },
  };
}

function model(overrides: Partial<AlloStatusModel> = {}): AlloStatusModel {
  return {
    apiUrl: 'https://api.withallo.com',
    gatewayUrl: 'http://127.0.0.1:8080',
    sourcesFile: '/s/allo-sources.json',
    webhooks: [webhook()],
    sources: new Map([['eu', { secrets: [SECRET], url: URL_EU, webhookId: 'ep_1' }]]),
    gateway: gateway(),
    ...overrides,
  };
}

describe('formatAlloStatus', () => {
  it("shows Allo's webhook beside our side of its source, with no warning when healthy", () => {
    const { lines, warnings } = formatAlloStatus(model(), NOW);
    expect(lines).toEqual([
      'Allo (https://api.withallo.com): 1 webhook(s)',
      `  ep_1  enabled   ${URL_EU}  call.completed  source eu`,
      '',
      'Gateway (http://127.0.0.1:8080), sources file /s/allo-sources.json:',
      `  source eu: ${URL_EU}, 1 secret(s) stored`,
      '    last accepted event: 2026-01-01T11:57:00.000Z (3 min ago)',
      '    last hour: 40 accepted, 0 signature failures, 0 answered 4xx, 0 answered 5xx',
    ]);
    expect(warnings).toEqual([]);
    expect(lines.join('\n')).not.toContain(SECRET.slice(6));
  });

  it('warns, with the auto-disable rule, when Allo has disabled the endpoint', () => {
    const { lines, warnings } = formatAlloStatus(model({ webhooks: [webhook({ enabled: false })] }), NOW);
    expect(lines[1]).toContain('DISABLED');
    expect(warnings).toEqual([expect.stringContaining('Allo has disabled ep_1')]);
    expect(warnings[0]).toContain(AUTO_DISABLE_RULE);
    expect(AUTO_DISABLE_RULE).toMatch(/24 hours.*12 hours.*5 days/);
    expect(warnings[0]).toContain('Recover');
  });

  it('warns when we have been refusing deliveries, pointing at the secret on signature failures', () => {
    const { warnings } = formatAlloStatus(
      model({ gateway: gateway({ signatureFailures: 3, clientErrors: 3, serverErrors: 2 }) }),
      NOW,
    );
    expect(warnings).toEqual([
      expect.stringMatching(
        /source eu: the gateway refused 5 deliveries in the last hour \(3 failed the signature check\)/,
      ),
    ]);
    expect(warnings[0]).toContain('allo rotate --source eu');
  });

  it('warns when the gateway is unreachable, does not serve the source, or rejected its file', () => {
    expect(
      formatAlloStatus(model({ gateway: { ok: false, error: 'connection refused' } }), NOW).warnings,
    ).toEqual(['cannot see our side: connection refused']);
    const other = formatAlloStatus(
      model({ sources: new Map([['us', { secrets: [SECRET], url: 'https://h.test/webhooks/allo/us' }]]) }),
      NOW,
    );
    expect(other.warnings).toEqual([
      expect.stringContaining('source us: Allo has no webhook for https://h.test/webhooks/allo/us'),
      expect.stringContaining('source us: the gateway does not serve it'),
    ]);
    expect(other.lines[1]).toContain('(no source here)');
    const status = gateway();
    const rejected = status.ok
      ? {
          ok: true as const,
          status: {
            ...status.status,
            sourcesFile: {
              ...status.status.sourcesFile!,
              lastError: { at: 'T', message: 'ALLO_SOURCES_FILE: bad JSON' },
            },
          },
        }
      : status;
    expect(formatAlloStatus(model({ gateway: rejected }), NOW).warnings).toEqual([
      expect.stringContaining(
        'rejected its sources file at T and kept the previous one: ALLO_SOURCES_FILE: bad JSON',
      ),
    ]);
  });

  it('warns while a rotation is pending', () => {
    const sources = new Map([
      ['eu', { secrets: [SECRET], url: URL_EU, webhookId: 'ep_2', retiringWebhookIds: ['ep_1'] }],
    ]);
    expect(formatAlloStatus(model({ sources }), NOW).warnings).toEqual([
      'source eu: a rotation is pending; run "allo rotate --source eu" to finish it.',
    ]);
  });
});
