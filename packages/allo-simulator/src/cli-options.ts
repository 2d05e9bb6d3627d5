import { parseArgs } from 'node:util';
import { parseSecret, WebhookSecretConfigError, type WebhookSecret } from '@allo-pipeline/webhook-signature';
import { DEFAULT_START_AT } from './generate-history.js';

/** Everything one CLI run needs, parsed and validated. */
export interface CliOptions {
  readonly url: string;
  readonly secret: WebhookSecret;
  readonly seed: number;
  readonly calls: number;
  readonly smsConversations: number;
  readonly contacts: number;
  readonly startAt: string;
  readonly ratePerSecond: number | undefined;
  readonly concurrency: number;
  readonly duplicateRate: number;
  readonly reorderWindow: number;
  readonly timeScale: number;
  readonly timeoutMs: number;
  readonly ackLog: string | undefined;
  readonly json: boolean;
}

export type CliParseResult =
  | { readonly kind: 'run'; readonly options: CliOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string };

export const SECRET_VARIABLE = 'ALLO_WEBHOOK_SECRET';
export const DEFAULT_URL = 'http://127.0.0.1:8080/webhooks/allo';

export const USAGE = `Usage: npm run simulate -- [options]

Sends a seeded, realistic Allo webhook history, signed and retried the way Allo does.

  --url <url>              receiver (default ${DEFAULT_URL})
  --secret <whsec_...>     signing secret (default: env ${SECRET_VARIABLE})
  --seed <int>             same seed => identical bodies and webhook-ids (default 1)
  --calls <n>              calls to simulate (default 10)
  --sms <n>                SMS conversations (default 5)
  --contacts <n>           contacts in the pool (default 8)
  --start-at <iso>         start of simulated time (default ${DEFAULT_START_AT})
  --rate <n>               max new deliveries per second (default unlimited)
  --concurrency <n>        max requests in flight (default 16)
  --duplicate-rate <p>     probability 0..1 of re-sending an acknowledged event (default 0)
  --reorder-window <n>     shuffle the send order within a sliding window of n (default 1: off)
  --time-scale <f>         multiply Allo's retry delays (5 s .. 10 h) by f (default 1)
  --timeout-ms <ms>        per-attempt timeout (default 20000)
  --ack-log <path>         write each acknowledged event as {"id","body"} JSON lines
  --json                   print the report as one JSON line
  -h, --help               show this help

Exit codes: 0 all acknowledged, 1 some failed after 8 attempts, 2 bad usage or configuration.`;

const OPTIONS = {
  url: { type: 'string' },
  secret: { type: 'string' },
  seed: { type: 'string' },
  calls: { type: 'string' },
  sms: { type: 'string' },
  contacts: { type: 'string' },
  'start-at': { type: 'string' },
  rate: { type: 'string' },
  concurrency: { type: 'string' },
  'duplicate-rate': { type: 'string' },
  'reorder-window': { type: 'string' },
  'time-scale': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'ack-log': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A flag value the CLI cannot use; the message names the flag. */
class UsageError extends Error {}

/**
 * Parses CLI arguments (without node and script) and the environment (for the secret).
 * Never throws for user input: bad flags, values or secrets come back as `usage-error`.
 */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliParseResult {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return { kind: 'help' };
    return { kind: 'run', options: toOptions(values, env) };
  } catch (error) {
    if (error instanceof UsageError || error instanceof WebhookSecretConfigError) {
      return { kind: 'usage-error', message: error.message };
    }
    if (isParseArgsError(error)) return { kind: 'usage-error', message: error.message };
    throw error;
  }
}

type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

function toOptions(values: Values, env: NodeJS.ProcessEnv): CliOptions {
  const rate = values.rate === undefined ? undefined : number(values, 'rate', 0, (n) => n > 0);
  return {
    url: parseUrl(values.url ?? DEFAULT_URL),
    secret: readSecret(values.secret, env),
    seed: integer(values, 'seed', 1, -(2 ** 31), 2 ** 32 - 1),
    calls: integer(values, 'calls', 10, 0),
    smsConversations: integer(values, 'sms', 5, 0),
    contacts: integer(values, 'contacts', 8, 0),
    startAt: parseStart(values['start-at'] ?? DEFAULT_START_AT),
    ratePerSecond: rate,
    concurrency: integer(values, 'concurrency', 16, 1),
    duplicateRate: number(values, 'duplicate-rate', 0, (n) => n >= 0 && n <= 1),
    reorderWindow: integer(values, 'reorder-window', 1, 1),
    timeScale: number(values, 'time-scale', 1, (n) => n >= 0),
    timeoutMs: number(values, 'timeout-ms', 20_000, (n) => n > 0),
    ackLog: values['ack-log'],
    json: values.json ?? false,
  };
}

function readSecret(flag: string | undefined, env: NodeJS.ProcessEnv): WebhookSecret {
  if (flag !== undefined) return parseSecret(flag, '--secret');
  const value = env[SECRET_VARIABLE];
  if (value === undefined || value.trim() === '') {
    throw new UsageError(`${SECRET_VARIABLE} is not set: pass --secret whsec_... or set ${SECRET_VARIABLE}`);
  }
  return parseSecret(value, SECRET_VARIABLE);
}

function number(values: Values, flag: keyof Values, fallback: number, valid: (n: number) => boolean): number {
  const raw = values[flag];
  if (raw === undefined) return fallback;
  const parsed = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(parsed) || !valid(parsed))
    throw new UsageError(`--${flag}: invalid value "${String(raw)}"`);
  return parsed;
}

function integer(
  values: Values,
  flag: keyof Values,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
) {
  return number(values, flag, fallback, (n) => Number.isSafeInteger(n) && n >= min && n <= max);
}

function parseUrl(value: string): string {
  const valid = URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol);
  if (!valid) throw new UsageError(`--url: expected an http(s) URL, got "${value}"`);
  return value;
}

function parseStart(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new UsageError(`--start-at: not an ISO 8601 date: "${value}"`);
  return value;
}

/** node:util parseArgs rejections (matched by code: under jest they come from another realm). */
function isParseArgsError(error: unknown): error is { code: string; message: string } {
  if (typeof error !== 'object' || error === null || !('code' in error) || !('message' in error))
    return false;
  return typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS');
}
