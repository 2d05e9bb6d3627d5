import { parseArgs } from 'node:util';
import { parseSecret, WebhookSecretConfigError, type WebhookSecret } from '@allo-pipeline/webhook-signature';
import { resolveSecret, type DevelopmentSecretLookup, type SecretOrigin } from './secret-lookup.js';

/** Everything one CLI run needs, parsed and validated. */
export interface CliOptions {
  readonly url: string;
  readonly secret: WebhookSecret;
  /** Where the secret came from, for the line that says so. */
  readonly secretOrigin: SecretOrigin;
  readonly seed: number;
  readonly calls: number;
  readonly smsConversations: number;
  readonly contacts: number;
  /** Start of simulated time; undefined anchors the history so that its last event is now. */
  readonly startAt: string | undefined;
  /** Send a continuous stream until stopped instead of one history. */
  readonly stream: boolean;
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

export { SECRET_VARIABLE } from './secret-lookup.js';
export const DEFAULT_URL = 'http://127.0.0.1:8080/webhooks/allo';

/** Defaults of --stream: a few events per second, with occasional duplicates as Allo sends them. */
export const DEFAULT_STREAM_RATE = 3;
export const DEFAULT_STREAM_DUPLICATE_RATE = 0.03;

export const USAGE = `Usage: npm run simulate -- [options]

Sends a seeded, realistic Allo webhook history, signed and retried the way Allo does.

  --url <url>              receiver (default ${DEFAULT_URL})
  --secret <whsec_...>     signing secret (default: env ALLO_WEBHOOK_SECRET, else the development
                           secret that \`npm start\` keeps in its state folder)
  --seed <int>             same seed => identical bodies and webhook-ids (default 1)
  --calls <n>              calls to simulate (default 10)
  --sms <n>                SMS conversations (default 5)
  --contacts <n>           contacts in the pool (default 8)
  --start-at <iso>         start of simulated time (default: the history ends now)
  --stream                 send a continuous stream, dated now, until stopped (Ctrl-C)
  --rate <n>               max new deliveries per second (default unlimited; ${DEFAULT_STREAM_RATE} with --stream)
  --concurrency <n>        max requests in flight (default 16)
  --duplicate-rate <p>     probability 0..1 of re-sending an acknowledged event (default 0;
                           ${DEFAULT_STREAM_DUPLICATE_RATE} with --stream)
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
  stream: { type: 'boolean' },
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
 * Parses CLI arguments (without node and script) and the environment (for the secret; the
 * development secret of the local stack is looked up only when neither flag nor variable gives
 * one). Never throws for user input: bad flags, values or secrets come back as `usage-error`.
 */
export function parseCliArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  developmentSecret: DevelopmentSecretLookup = () => undefined,
): CliParseResult {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return { kind: 'help' };
    return { kind: 'run', options: toOptions(values, env, developmentSecret) };
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

function toOptions(
  values: Values,
  env: NodeJS.ProcessEnv,
  developmentSecret: DevelopmentSecretLookup,
): CliOptions {
  const stream = values.stream ?? false;
  const rate =
    values.rate === undefined
      ? stream
        ? DEFAULT_STREAM_RATE
        : undefined
      : number(values, 'rate', 0, (n) => n > 0);
  if (stream && values['start-at'] !== undefined) {
    throw new UsageError('--start-at: a stream is always dated now; leave out --start-at or --stream');
  }
  const { secret, origin } = readSecret(values.secret, env, developmentSecret);
  return {
    url: parseUrl(values.url ?? DEFAULT_URL),
    secret,
    secretOrigin: origin,
    seed: integer(values, 'seed', 1, -(2 ** 31), 2 ** 32 - 1),
    calls: integer(values, 'calls', 10, 0),
    smsConversations: integer(values, 'sms', 5, 0),
    contacts: integer(values, 'contacts', 8, 0),
    startAt: values['start-at'] === undefined ? undefined : parseStart(values['start-at']),
    stream,
    ratePerSecond: rate,
    concurrency: integer(values, 'concurrency', 16, 1),
    duplicateRate: number(
      values,
      'duplicate-rate',
      stream ? DEFAULT_STREAM_DUPLICATE_RATE : 0,
      (n) => n >= 0 && n <= 1,
    ),
    reorderWindow: integer(values, 'reorder-window', 1, 1),
    timeScale: number(values, 'time-scale', 1, (n) => n >= 0),
    timeoutMs: number(values, 'timeout-ms', 20_000, (n) => n > 0),
    ackLog: values['ack-log'],
    json: values.json ?? false,
  };
}

function readSecret(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  developmentSecret: DevelopmentSecretLookup,
): { secret: WebhookSecret; origin: SecretOrigin } {
  const found = resolveSecret(flag, env, developmentSecret);
  if (found.kind === 'missing') throw new UsageError(found.message);
  return { secret: parseSecret(found.value, found.origin.name), origin: found.origin };
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
