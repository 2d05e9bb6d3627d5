import { parseArgs } from 'node:util';

export type AlloCommand =
  | { kind: 'help' }
  | { kind: 'connect'; url: string; source: string | undefined; topics: 'all' | string[] }
  | { kind: 'status'; json: boolean }
  | { kind: 'rotate'; source: string; waitSeconds: number; graceSeconds: number }
  | { kind: 'disconnect'; source: string; yes: boolean };

export type AlloParseOutcome = { ok: true; command: AlloCommand } | { ok: false; message: string };

export const ALLO_USAGE = `usage: npm run cli -- allo <command>

  connect --url https://<public host>/webhooks/allo[/<source>] [--source <name>] [--topics all|<t1,t2,...>]
        register (or update) the webhook at Allo and store its signing secret for the source
  status [--json]
        Allo's webhooks beside the gateway's view of each source, with warnings
  rotate [--source <name>] [--wait-seconds <n>] [--grace-seconds <n>]
        new secret without downtime: new webhook, both secrets verify, old webhook deleted once
        the new secret has verified an event (default wait 600 s, grace 30 s)
  disconnect [--source <name>] [--yes]
        delete the source's webhook at Allo (asks first; --yes without a terminal)

environment: ALLO_API_KEY or ALLO_API_KEY_FILE (scope WEBHOOKS_READ_WRITE; never a flag),
             ALLO_API_URL (default https://api.withallo.com), ALLO_SOURCES_FILE (default
             <stack state folder>/allo-sources.json), GATEWAY_URL (default http://127.0.0.1:8080)`;

const OPTIONS = {
  url: { type: 'string' },
  source: { type: 'string' },
  topics: { type: 'string' },
  json: { type: 'boolean' },
  yes: { type: 'boolean' },
  'wait-seconds': { type: 'string' },
  'grace-seconds': { type: 'string' },
} as const;

const ALLOWED: Record<Exclude<AlloCommand['kind'], 'help'>, ReadonlyArray<keyof typeof OPTIONS>> = {
  connect: ['url', 'source', 'topics'],
  status: ['json'],
  rotate: ['source', 'wait-seconds', 'grace-seconds'],
  disconnect: ['source', 'yes'],
};

/** Parses the words after `allo`; a bad command line is an outcome with a message, never a throw. */
export function parseAlloCommand(argv: readonly string[]): AlloParseOutcome {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help') return { ok: true, command: { kind: 'help' } };
  if (!(sub in ALLOWED))
    return { ok: false, message: `allo: unknown command "${sub}" (connect, status, rotate, disconnect)` };
  const kind = sub as keyof typeof ALLOWED;
  let values: Partial<Record<keyof typeof OPTIONS, string | boolean>>;
  try {
    const parsed = parseArgs({ args: [...rest], options: OPTIONS, strict: true, allowPositionals: false });
    values = parsed.values;
  } catch (error) {
    return { ok: false, message: `allo ${kind}: ${(error as Error).message}` };
  }
  const extra = Object.keys(values).find((name) => !ALLOWED[kind].includes(name as keyof typeof OPTIONS));
  if (extra) return { ok: false, message: `allo ${kind}: --${extra} does not apply here` };
  const text = (name: keyof typeof OPTIONS): string | undefined => values[name] as string | undefined;
  const source = text('source') ?? 'default';
  switch (kind) {
    case 'connect': {
      const url = text('url');
      if (!url) return { ok: false, message: 'allo connect: --url is required' };
      const topics = text('topics') ?? 'all';
      const list = topics
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      if (topics !== 'all' && list.length === 0)
        return { ok: false, message: 'allo connect: --topics needs "all" or a comma-separated list' };
      return {
        ok: true,
        command: { kind, url, source: text('source'), topics: topics === 'all' ? 'all' : list },
      };
    }
    case 'status':
      return { ok: true, command: { kind, json: values.json === true } };
    case 'rotate': {
      const wait = seconds(text('wait-seconds'), 600, 'wait-seconds');
      const grace = seconds(text('grace-seconds'), 30, 'grace-seconds');
      if (typeof wait === 'string') return { ok: false, message: wait };
      if (typeof grace === 'string') return { ok: false, message: grace };
      return { ok: true, command: { kind, source, waitSeconds: wait, graceSeconds: grace } };
    }
    case 'disconnect':
      return { ok: true, command: { kind, source, yes: values.yes === true } };
  }
}

function seconds(value: string | undefined, fallback: number, name: string): number | string {
  if (value === undefined) return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 86_400
    ? n
    : `allo rotate: --${name} must be whole seconds 0..86400, got "${value}"`;
}
