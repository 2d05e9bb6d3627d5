import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';

// The bad-input corpus as data: each case is one raw HTTP request to the gateway, the status the
// contract gives it and whether anything may reach the raw topic. Statuses come from
// /work/shared/allo-webhooks-spec.md (Standard Webhooks: missing header or malformed value 400,
// wrong signature or a timestamp past the tolerance 401) and the gateway's documented contract
// (receive-webhook.ts FAILURE_STATUS, 413 over the body limit, 404 unknown route or source, 405
// another method on a route, 415 a content coding it cannot verify); the framing errors are
// node's HTTP parser (RFC 9112: 400, 431 for a header block past 16 KiB).

export type CaseCategory = 'headers' | 'timestamps' | 'signatures' | 'bodies' | 'requests';

/** One raw request; header names and duplicates are sent exactly as listed. */
export interface RawRequest {
  readonly method?: string;
  readonly path?: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body?: Buffer;
  /** content-length (default), chunked (in `chunks` pieces), or raw (no framing header added). */
  readonly framing?: 'content-length' | 'chunked' | 'raw';
  readonly chunks?: number;
  /** Bytes written verbatim instead of a request built from the fields above. */
  readonly verbatim?: Buffer;
}

export interface CaseContext {
  /** The HMAC key of the default source's secret (the decoded `whsec_` base64). */
  readonly key: Buffer;
  /** A key of another secret, which the gateway does not know. */
  readonly otherKey: Buffer;
  readonly bodyLimitBytes: number;
  readonly toleranceSeconds: number;
  /** Now in unix seconds, read when the case's request is built. */
  readonly nowSeconds: () => number;
  /** Distinctive text that every body carries, so a body fragment in a log is found. */
  readonly marker: string;
}

export interface BadInputCase {
  readonly name: string;
  readonly category: CaseCategory;
  readonly status: number;
  /** Accepted cases publish exactly one record with `id` and the request's body, byte-exact. */
  readonly publishes: boolean;
  /** The timestamp must be read right after a second boundary (the tolerance edges). */
  readonly clockSensitive?: boolean;
  /** The answer must come within this many ms (bounded work). */
  readonly withinMs?: number;
  readonly build: (ctx: CaseContext, id: string) => RawRequest;
}

export const WEBHOOK_PATH = '/webhooks/allo';

/** Standard Webhooks v1 signature, written here independently of the package under test. */
export function sign(key: Buffer, id: string, timestamp: string, body: Buffer): string {
  const digest = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${digest}`;
}

/** An sms.received delivery whose content carries the marker. */
export function eventBody(ctx: CaseContext, id: string, extra = ''): Buffer {
  return Buffer.from(
    JSON.stringify({
      topic: 'sms.received',
      version: '2.0',
      timestamp: new Date().toISOString(),
      data: {
        id: `sms_${id}`,
        direction: 'INBOUND',
        content: `${ctx.marker} ${extra}`,
        from_number: '+1415',
      },
    }),
  );
}

type Header = readonly [string, string];

interface SignOptions {
  timestamp?: string;
  key?: Buffer;
  /** Replaces the signature header value (after signing). */
  signature?: (valid: string) => string;
  contentType?: string | null;
}

/** The three webhook headers (and a content type) for `body`, correctly signed unless told. */
function signedHeaders(ctx: CaseContext, id: string, body: Buffer, options: SignOptions = {}): Header[] {
  const timestamp = options.timestamp ?? String(ctx.nowSeconds());
  const valid = sign(options.key ?? ctx.key, id, timestamp, body);
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  return [
    ...(contentType === null ? [] : [['content-type', contentType] as Header]),
    ['webhook-id', id],
    ['webhook-timestamp', timestamp],
    ['webhook-signature', options.signature ? options.signature(valid) : valid],
  ];
}

/** A signed delivery of the standard body with some headers edited. */
function signedRequest(
  edit: (headers: Header[], ctx: CaseContext, id: string, body: Buffer) => Header[] = (h) => h,
  options: SignOptions = {},
): (ctx: CaseContext, id: string) => RawRequest {
  return (ctx, id) => {
    const body = eventBody(ctx, id);
    return { headers: edit(signedHeaders(ctx, id, body, options), ctx, id, body), body };
  };
}

/** A signed delivery of `makeBody`'s bytes. */
function signedBody(
  makeBody: (ctx: CaseContext, id: string) => Buffer,
  options: SignOptions & { framing?: RawRequest['framing']; chunks?: number; extraHeaders?: Header[] } = {},
): (ctx: CaseContext, id: string) => RawRequest {
  return (ctx, id) => {
    const body = makeBody(ctx, id);
    return {
      headers: [...signedHeaders(ctx, id, body, options), ...(options.extraHeaders ?? [])],
      body,
      framing: options.framing,
      chunks: options.chunks,
    };
  };
}

/** A signed delivery of the standard body at a timestamp `offset` seconds from now (+ future). */
function atOffset(offset: number): (ctx: CaseContext, id: string) => RawRequest {
  return (ctx, id) => {
    const body = eventBody(ctx, id);
    return { headers: signedHeaders(ctx, id, body, { timestamp: String(ctx.nowSeconds() + offset) }), body };
  };
}

/** A signed request to another path or with another method. */
function routed(method: string, path: string): (ctx: CaseContext, id: string) => RawRequest {
  return (ctx, id) => ({ ...signedRequest()(ctx, id), method, path });
}

const without = (name: string) => (headers: Header[]) => headers.filter(([key]) => key !== name);
const replace = (name: string, value: string) => (headers: Header[]) =>
  headers.map(([key, current]): Header => [key, key === name ? value : current]);
const duplicate = (name: string, value?: (current: string) => string) => (headers: Header[]) =>
  headers.flatMap(([key, current]): Header[] =>
    key === name
      ? [
          [key, current],
          [key, value ? value(current) : current],
        ]
      : [[key, current]],
  );
const forged = (seed: string) => `v1,${createHmac('sha256', 'not-the-key').update(seed).digest('base64')}`;
const digestOf = (signature: string) => signature.slice(3);

/** A JSON body of exactly `size` bytes (the marker's padding fills it). */
function bodyOfSize(ctx: CaseContext, id: string, size: number): Buffer {
  const base = eventBody(ctx, id, '');
  const padding = size - base.length;
  if (padding < 0) throw new Error('body size below the base event');
  return eventBody(ctx, id, 'x'.repeat(padding));
}

/** A raw request line and headers (no body) sent verbatim. */
function verbatim(lines: string[], body = ''): (ctx: CaseContext, id: string) => RawRequest {
  return () => ({ headers: [], verbatim: Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1') });
}

const KIB = 1024;

const headerCases: BadInputCase[] = [
  {
    name: 'missing webhook-id',
    category: 'headers',
    status: 400,
    publishes: false,
    build: signedRequest(without('webhook-id')),
  },
  {
    name: 'missing webhook-timestamp',
    category: 'headers',
    status: 400,
    publishes: false,
    build: signedRequest(without('webhook-timestamp')),
  },
  {
    name: 'missing webhook-signature',
    category: 'headers',
    status: 400,
    publishes: false,
    build: signedRequest(without('webhook-signature')),
  },
  {
    name: 'all three webhook headers missing',
    category: 'headers',
    status: 400,
    publishes: false,
    build: signedRequest((h) => h.filter(([key]) => !key.startsWith('webhook-'))),
  },
  {
    name: 'empty webhook-id',
    category: 'headers',
    status: 400,
    publishes: false,
    build: signedRequest(replace('webhook-id', '')),
  },
  {
    name: 'empty webhook-timestamp',
    category: 'headers',
    status: 400,
    publishes: false,
    build: signedRequest(replace('webhook-timestamp', '')),
  },
  {
    // HTTP header names are case-insensitive (spec 2.1).
    name: 'header names in upper case, signed',
    category: 'headers',
    status: 200,
    publishes: true,
    build: signedRequest((h) => h.map(([key, value]): Header => [key.toUpperCase(), value])),
  },
  {
    // node joins a repeated header with ", ": the id received is not the id signed.
    name: 'webhook-id given twice (same value)',
    category: 'headers',
    status: 401,
    publishes: false,
    build: signedRequest(duplicate('webhook-id')),
  },
  {
    name: 'webhook-id given twice (another value)',
    category: 'headers',
    status: 401,
    publishes: false,
    build: signedRequest(duplicate('webhook-id', (id) => `${id}-other`)),
  },
  {
    name: 'webhook-timestamp given twice',
    category: 'headers',
    status: 400,
    publishes: false,
    build: signedRequest(duplicate('webhook-timestamp')),
  },
  {
    // Several signatures are how rotation overlaps (spec 2.3 step 6).
    name: 'webhook-signature given twice, both valid',
    category: 'headers',
    status: 200,
    publishes: true,
    build: signedRequest(duplicate('webhook-signature')),
  },
  {
    name: 'webhook-signature given twice, a forged one then the valid one',
    category: 'headers',
    status: 200,
    publishes: true,
    build: signedRequest((h) => [['webhook-signature', forged('a')], ...h]),
  },
  {
    name: 'webhook-signature given twice, both forged',
    category: 'headers',
    status: 401,
    publishes: false,
    build: signedRequest(
      duplicate('webhook-signature', () => forged('b')),
      { signature: () => forged('c') },
    ),
  },
  {
    name: '64 KiB extra header on a signed request',
    category: 'headers',
    status: 431,
    publishes: false,
    build: signedRequest((h) => [...h, ['x-padding', 'p'.repeat(64 * KIB)]]),
  },
  {
    name: '64 KiB webhook-signature',
    category: 'headers',
    status: 431,
    publishes: false,
    build: signedRequest(replace('webhook-signature', 'v1,'.padEnd(64 * KIB, 'A'))),
  },
  {
    name: '64 KiB webhook-id',
    category: 'headers',
    status: 431,
    publishes: false,
    build: signedRequest(replace('webhook-id', 'msg_'.padEnd(64 * KIB, 'a'))),
  },
  {
    // Under node's 16 KiB header block, over the package's 8 KiB signature cap.
    name: '12 KiB webhook-signature (past the 8 KiB cap)',
    category: 'headers',
    status: 400,
    publishes: false,
    build: signedRequest((h) =>
      h.map(([k, v]): Header => [k, k === 'webhook-signature' ? `${v} ${'x'.repeat(12 * KIB)}` : v]),
    ),
  },
  {
    name: 'huge webhook-id (8 KiB), correctly signed',
    category: 'headers',
    status: 400,
    publishes: false,
    build: (ctx, id) => signedRequest()(ctx, `${id}-${'i'.repeat(8 * KIB)}`),
  },
  {
    name: 'webhook-id of 257 characters, correctly signed',
    category: 'headers',
    status: 400,
    publishes: false,
    build: (ctx, id) => signedRequest()(ctx, `${id}-`.padEnd(257, 'i')),
  },
  {
    name: 'webhook-id of 256 characters (the cap), correctly signed',
    category: 'headers',
    status: 200,
    publishes: true,
    build: (ctx, id) => signedRequest()(ctx, `${id}-`.padEnd(256, 'i')),
  },
  {
    // node's parser refuses control characters other than tab in a header value.
    name: 'webhook-id with a control character (0x01)',
    category: 'headers',
    status: 400,
    publishes: false,
    build: signedRequest(replace('webhook-id', 'msg_\u0001x')),
  },
  {
    name: 'webhook-id with NUL',
    category: 'headers',
    status: 400,
    publishes: false,
    build: signedRequest(replace('webhook-id', 'msg_\u0000x')),
  },
  {
    // Node lets a tab through; the verifier refuses control characters in an id.
    name: 'webhook-id with a tab, correctly signed',
    category: 'headers',
    status: 400,
    publishes: false,
    build: (ctx, id) => signedRequest()(ctx, `${id}\tx`),
  },
  {
    name: 'webhook-id with DEL (0x7f), correctly signed',
    category: 'headers',
    status: 400,
    publishes: false,
    build: (ctx, id) => signedRequest()(ctx, `${id}\u007fx`),
  },
  {
    name: 'a header line without a colon',
    category: 'headers',
    status: 400,
    publishes: false,
    build: verbatim([
      `POST ${WEBHOOK_PATH} HTTP/1.1`,
      'Host: 127.0.0.1',
      'webhook-id msg_1',
      'Content-Length: 0',
    ]),
  },
  {
    // RFC 9112 5.1: whitespace between a field name and the colon must be rejected with 400.
    name: 'whitespace before the colon of webhook-id',
    category: 'headers',
    status: 400,
    publishes: false,
    build: verbatim([
      `POST ${WEBHOOK_PATH} HTTP/1.1`,
      'Host: 127.0.0.1',
      'webhook-id : msg_1',
      'Content-Length: 0',
    ]),
  },
  {
    // RFC 9112 5.2: obsolete line folding.
    name: 'obsolete line folding in webhook-signature',
    category: 'headers',
    status: 400,
    publishes: false,
    build: verbatim([
      `POST ${WEBHOOK_PATH} HTTP/1.1`,
      'Host: 127.0.0.1',
      'webhook-id: msg_1',
      'webhook-timestamp: 1',
      'webhook-signature: v1,AAAA',
      ' v1,BBBB',
      'Content-Length: 0',
    ]),
  },
];

const timestampCases: BadInputCase[] = [
  ...(
    [
      ['non-numeric', () => 'soon'],
      ['numeric then letters', (now: number) => `${now}abc`],
      ['negative one', () => '-1'],
      ['negative now', (now: number) => `-${now}`],
      ['fractional', (now: number) => `${now}.5`],
      ['exponent notation', (now: number) => `${String(now).slice(0, 1)}.${String(now).slice(1)}e9`],
      ['hexadecimal', (now: number) => `0x${now.toString(16)}`],
      ['leading zero', (now: number) => `0${now}`],
      ['leading plus', (now: number) => `+${now}`],
      ['huge (20 digits)', () => '99999999999999999999'],
      ['one space inside', (now: number) => `${now} 1`],
    ] as const
  ).map(([what, timestamp]): BadInputCase => ({
    name: `webhook-timestamp ${what}`,
    category: 'timestamps',
    status: 400,
    publishes: false,
    build: (ctx, id) => {
      const body = eventBody(ctx, id);
      return { headers: signedHeaders(ctx, id, body, { timestamp: timestamp(ctx.nowSeconds()) }), body };
    },
  })),
  {
    name: 'webhook-timestamp 15 digits (far future), signed',
    category: 'timestamps',
    status: 401,
    publishes: false,
    build: signedRequest(undefined, { timestamp: '999999999999999' }),
  },
  {
    name: 'webhook-timestamp 0, signed',
    category: 'timestamps',
    status: 401,
    publishes: false,
    build: signedRequest(undefined, { timestamp: '0' }),
  },
  {
    name: 'webhook-timestamp in milliseconds, signed',
    category: 'timestamps',
    status: 401,
    publishes: false,
    build: (ctx, id) => signedRequest(undefined, { timestamp: String(ctx.nowSeconds() * 1000) })(ctx, id),
  },
  {
    name: 'webhook-timestamp exactly the tolerance in the past',
    category: 'timestamps',
    status: 200,
    publishes: true,
    clockSensitive: true,
    build: (c, i) => atOffset(-c.toleranceSeconds)(c, i),
  },
  {
    name: 'webhook-timestamp 1 s past the tolerance in the past',
    category: 'timestamps',
    status: 401,
    publishes: false,
    clockSensitive: true,
    build: (c, i) => atOffset(-c.toleranceSeconds - 1)(c, i),
  },
  {
    name: 'webhook-timestamp exactly the tolerance in the future',
    category: 'timestamps',
    status: 200,
    publishes: true,
    clockSensitive: true,
    build: (c, i) => atOffset(c.toleranceSeconds)(c, i),
  },
  {
    name: 'webhook-timestamp 1 s past the tolerance in the future',
    category: 'timestamps',
    status: 401,
    publishes: false,
    clockSensitive: true,
    build: (c, i) => atOffset(c.toleranceSeconds + 1)(c, i),
  },
];

const signatureCases: BadInputCase[] = [
  ...(
    [
      ['label v2 with the right digest', (s: string) => `v2,${digestOf(s)}`],
      ['label v1a with the right digest', (s: string) => `v1a,${digestOf(s)}`],
      ['label V1 (upper case) with the right digest', (s: string) => `V1,${digestOf(s)}`],
      ['label v0 with the right digest', (s: string) => `v0,${digestOf(s)}`],
      ['no label, digest only', (s: string) => digestOf(s)],
      ['label and digest separated by "="', (s: string) => `v1=${digestOf(s)}`],
      ['bad base64 characters', () => `v1,${'!'.repeat(43)}=`],
      ['base64url alphabet', () => `v1,${'-_'.repeat(21)}A=`],
      ['the right digest without padding', (s: string) => s.slice(0, -1)],
      ['the right digest truncated to 20 characters', (s: string) => s.slice(0, 23)],
      ['the right digest one character short', (s: string) => `${s.slice(0, -2)}=`],
      ['the right digest with a character more', (s: string) => `${s.slice(0, -1)}A=`],
      ['only whitespace', () => '   '],
      ['"v1," and nothing', () => 'v1,'],
      ['"v1" alone', () => 'v1'],
      ['entries joined by commas without a space', (s: string) => `${forged('x')},${s}`],
      ['entries separated by a tab', (s: string) => `${forged('x')}\t${s}`],
      [
        'a valid entry among 33 (past the 32-entry cap)',
        (s: string) => [...Array.from({ length: 32 }, (_, n) => forged(String(n))), s].join(' '),
      ],
    ] as const
  ).map(([what, signature]): BadInputCase => ({
    name: `webhook-signature ${what}`,
    category: 'signatures',
    status: 400,
    publishes: false,
    build: signedRequest(undefined, { signature }),
  })),
  {
    name: 'webhook-signature empty',
    category: 'signatures',
    status: 400,
    publishes: false,
    build: signedRequest(undefined, { signature: () => '' }),
  },
  {
    name: 'webhook-signature of 4,000 entries within the 8 KiB cap',
    category: 'signatures',
    status: 400,
    publishes: false,
    withinMs: 1000,
    build: signedRequest(undefined, { signature: () => Array.from({ length: 4000 }, () => 'a').join(' ') }),
  },
  {
    // 10k entries cannot fit in node's 16 KiB header block: refused before any parsing.
    name: 'webhook-signature of 10,000 entries',
    category: 'signatures',
    status: 431,
    publishes: false,
    withinMs: 1000,
    build: signedRequest(undefined, { signature: (s) => Array.from({ length: 10_000 }, () => s).join(' ') }),
  },
  {
    name: '10,000 webhook-signature header lines',
    category: 'signatures',
    status: 431,
    publishes: false,
    withinMs: 1000,
    build: signedRequest((h) => [
      ...h,
      ...Array.from({ length: 10_000 }, (): Header => ['webhook-signature', 'v1,x']),
    ]),
  },
  {
    name: 'the right digest for another body',
    category: 'signatures',
    status: 401,
    publishes: false,
    build: (ctx, id) => {
      const body = eventBody(ctx, id);
      const other = sign(ctx.key, id, String(ctx.nowSeconds()), Buffer.concat([body, Buffer.from(' ')]));
      return { headers: signedHeaders(ctx, id, body, { signature: () => other }), body };
    },
  },
  {
    name: 'signed with an unknown secret',
    category: 'signatures',
    status: 401,
    publishes: false,
    build: (c, i) => signedRequest(undefined, { key: c.otherKey })(c, i),
  },
  {
    name: 'signed for another timestamp',
    category: 'signatures',
    status: 401,
    publishes: false,
    build: (ctx, id) => {
      const body = eventBody(ctx, id);
      const other = sign(ctx.key, id, String(ctx.nowSeconds() - 1), body);
      return { headers: signedHeaders(ctx, id, body, { signature: () => other }), body };
    },
  },
  {
    name: 'signed for another webhook-id',
    category: 'signatures',
    status: 401,
    publishes: false,
    build: (ctx, id) => {
      const body = eventBody(ctx, id);
      const other = sign(ctx.key, `${id}x`, String(ctx.nowSeconds()), body);
      return { headers: signedHeaders(ctx, id, body, { signature: () => other }), body };
    },
  },
  {
    name: 'a digest of 32 zero bytes',
    category: 'signatures',
    status: 401,
    publishes: false,
    build: signedRequest(undefined, { signature: () => `v1,${Buffer.alloc(32).toString('base64')}` }),
  },
  {
    name: 'the valid entry after v2 and v1a entries',
    category: 'signatures',
    status: 200,
    publishes: true,
    build: signedRequest(undefined, { signature: (s) => `v2,${digestOf(s)} v1a,${digestOf(s)} ${s}` }),
  },
  {
    name: 'the valid entry last of 32 (the cap)',
    category: 'signatures',
    status: 200,
    publishes: true,
    build: signedRequest(undefined, {
      signature: (s) => [...Array.from({ length: 31 }, (_, n) => forged(String(n))), s].join(' '),
    }),
  },
];

const MARKED_INVALID_UTF8 = (ctx: CaseContext) =>
  Buffer.concat([
    Buffer.from(`{"topic":"sms.received","data":{"content":"${ctx.marker} `),
    Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]),
    Buffer.from('"}}'),
  ]);

const bodyCases: BadInputCase[] = [
  {
    name: 'body one byte over the limit (content-length)',
    category: 'bodies',
    status: 413,
    publishes: false,
    build: signedBody((c, i) => bodyOfSize(c, i, c.bodyLimitBytes + 1)),
  },
  {
    name: 'body one byte over the limit (chunked)',
    category: 'bodies',
    status: 413,
    publishes: false,
    build: signedBody((c, i) => bodyOfSize(c, i, c.bodyLimitBytes + 1), { framing: 'chunked', chunks: 7 }),
  },
  {
    name: 'content-length over the limit, body never sent',
    category: 'bodies',
    status: 413,
    publishes: false,
    build: (ctx, id) => ({
      headers: [
        ...signedHeaders(ctx, id, Buffer.alloc(0)),
        ['content-length', String(ctx.bodyLimitBytes + 1)],
      ],
      framing: 'raw',
    }),
  },
  {
    name: 'body exactly at the limit, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c, i) => bodyOfSize(c, i, c.bodyLimitBytes)),
  },
  {
    name: 'body exactly at the limit, chunked, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c, i) => bodyOfSize(c, i, c.bodyLimitBytes), { framing: 'chunked', chunks: 5 }),
  },
  // A signed body that is not an event is still stored: nothing authenticated is dropped.
  {
    name: 'empty body, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody(() => Buffer.alloc(0)),
  },
  {
    name: 'empty body, not signed for it',
    category: 'bodies',
    status: 401,
    publishes: false,
    build: (c, i) => ({ ...signedRequest()(c, i), body: Buffer.alloc(0) }),
  },
  {
    name: 'chunked transfer-encoding, 3 chunks, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c, i) => eventBody(c, i), { framing: 'chunked', chunks: 3 }),
  },
  {
    name: 'chunked transfer-encoding, one byte per chunk, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c, i) => eventBody(c, i), { framing: 'chunked', chunks: 100_000 }),
  },
  {
    name: 'chunked with an invalid chunk size',
    category: 'bodies',
    status: 400,
    publishes: false,
    build: verbatim(
      [`POST ${WEBHOOK_PATH} HTTP/1.1`, 'Host: 127.0.0.1', 'Transfer-Encoding: chunked'],
      'zz\r\nabc\r\n0\r\n\r\n',
    ),
  },
  {
    // RFC 9112 6.1: both framings at once is how requests are smuggled.
    name: 'both content-length and transfer-encoding',
    category: 'bodies',
    status: 400,
    publishes: false,
    build: verbatim(
      [`POST ${WEBHOOK_PATH} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Length: 5', 'Transfer-Encoding: chunked'],
      '0\r\n\r\n',
    ),
  },
  {
    // The gateway stores the signed bytes as the event; it decodes no content coding (RFC 9110 15.5.16).
    name: 'gzip content-encoding, signed over the compressed bytes',
    category: 'bodies',
    status: 415,
    publishes: false,
    build: signedBody((c, i) => gzipSync(eventBody(c, i)), { extraHeaders: [['content-encoding', 'gzip']] }),
  },
  {
    name: 'gzip content-encoding, signed over the JSON',
    category: 'bodies',
    status: 415,
    publishes: false,
    build: (ctx, id) => {
      const json = eventBody(ctx, id);
      return {
        headers: [...signedHeaders(ctx, id, json), ['content-encoding', 'gzip']],
        body: gzipSync(json),
      };
    },
  },
  {
    name: 'content-encoding br',
    category: 'bodies',
    status: 415,
    publishes: false,
    build: signedBody((c, i) => eventBody(c, i), { extraHeaders: [['content-encoding', 'br']] }),
  },
  {
    name: 'content-encoding identity, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c, i) => eventBody(c, i), { extraHeaders: [['content-encoding', 'identity']] }),
  },
  {
    name: 'invalid UTF-8 body, signed (kept byte-exact)',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody(MARKED_INVALID_UTF8),
  },
  {
    name: 'invalid UTF-8 body, not signed for it',
    category: 'bodies',
    status: 401,
    publishes: false,
    build: (c, i) => ({ ...signedRequest()(c, i), body: MARKED_INVALID_UTF8(c) }),
  },
  {
    name: 'JSON with a lone surrogate escape, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c) =>
      Buffer.from(`{"topic":"sms.received","version":"2.0","data":{"id":"\\ud800","content":"${c.marker}"}}`),
    ),
  },
  {
    name: 'UTF-8 byte order mark before the JSON, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c, i) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), eventBody(c, i)])),
  },
  {
    name: 'NUL bytes in the body, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c, i) => Buffer.concat([eventBody(c, i), Buffer.alloc(16)])),
  },
  {
    name: 'JSON null, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody(() => Buffer.from('null')),
  },
  {
    name: 'JSON array of arrays 100,000 deep, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody(() => Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)),
  },
  {
    name: 'event whose data is 30,000 objects deep, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c) =>
      Buffer.from(
        `{"topic":"call.completed","version":"2.0","data":${'{"a":'.repeat(30_000)}"${c.marker}"${'}'.repeat(30_000)}}`,
      ),
    ),
  },
  {
    name: '__proto__ keys at the top and in data, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c) =>
      Buffer.from(
        `{"__proto__":{"polluted":"yes"},"topic":"sms.received","version":"2.0","data":{"__proto__":{"polluted":"yes"},"id":"sms_proto","content":"${c.marker}"}}`,
      ),
    ),
  },
  {
    name: 'constructor.prototype keys, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c) =>
      Buffer.from(
        `{"constructor":{"prototype":{"polluted":"yes"}},"topic":"contact.updated","version":"2.0","data":{"id":"con_x","constructor":{"prototype":{"polluted":"yes"}},"name":"${c.marker}"}}`,
      ),
    ),
  },
  {
    name: 'a topic of 10,000 characters, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c) =>
      Buffer.from(`{"topic":"${'t'.repeat(10_000)}","data":{"content":"${c.marker}"}}`),
    ),
  },
  // The signature authenticates bytes; Allo documents no content type (spec 1.1, [U]).
  {
    name: 'content-type text/plain, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c, i) => eventBody(c, i), { contentType: 'text/plain' }),
  },
  {
    name: 'content-type missing, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c, i) => eventBody(c, i), { contentType: null }),
  },
  {
    name: 'content-type application/x-www-form-urlencoded, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c, i) => eventBody(c, i), { contentType: 'application/x-www-form-urlencoded' }),
  },
  {
    name: 'content-type multipart/form-data without boundary, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c, i) => eventBody(c, i), { contentType: 'multipart/form-data' }),
  },
  {
    name: 'content-type application/json; charset=latin1, signed',
    category: 'bodies',
    status: 200,
    publishes: true,
    build: signedBody((c, i) => eventBody(c, i), { contentType: 'application/json; charset=latin1' }),
  },
];

const requestCases: BadInputCase[] = [
  ...[
    '/webhooks/..%2f..',
    '/webhooks/%2e%2e',
    '/webhooks/%2e%2e/allo',
    '/webhooks/allo/..%2f..%2fadmin',
    '/webhooks/allo/%2e%2e',
    '/webhooks/allo/..%2fallo',
    '/webhooks/allo/%2fdefault',
    '/webhooks/allo/default%2f',
    '/webhooks/allo/../allo',
    '/webhooks/allo/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/webhooks/allo/%00',
    '/webhooks/allo/%ZZ',
    '/webhooks/allo/%c0%ae%c0%ae',
    `/webhooks/allo/${'s'.repeat(4096)}`,
    '/webhooks',
    '/',
  ].map((path): BadInputCase => ({
    name: `POST ${path.length > 60 ? `${path.slice(0, 30)}… (${path.length} chars)` : path}`,
    category: 'requests',
    status: 404,
    publishes: false,
    build: routed('POST', path),
  })),
  ...['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD'].map((method): BadInputCase => ({
    name: `${method} ${WEBHOOK_PATH}, signed`,
    category: 'requests',
    status: 405,
    publishes: false,
    build: routed(method, WEBHOOK_PATH),
  })),
  {
    name: `PUT ${WEBHOOK_PATH}/default, signed`,
    category: 'requests',
    status: 405,
    publishes: false,
    build: routed('PUT', `${WEBHOOK_PATH}/default`),
  },
  // OPTIONS is answered by the router with the allowed methods; nothing is received.
  {
    name: `OPTIONS ${WEBHOOK_PATH}`,
    category: 'requests',
    status: 200,
    publishes: false,
    build: routed('OPTIONS', WEBHOOK_PATH),
  },
  {
    name: `PROPFIND ${WEBHOOK_PATH} (a method the router does not implement)`,
    category: 'requests',
    status: 501,
    publishes: false,
    build: routed('PROPFIND', WEBHOOK_PATH),
  },
  {
    name: 'a method token node does not know',
    category: 'requests',
    status: 400,
    publishes: false,
    build: routed('FROB', WEBHOOK_PATH),
  },
  {
    name: 'not HTTP at all',
    category: 'requests',
    status: 400,
    publishes: false,
    build: () => ({
      headers: [],
      verbatim: Buffer.from('\u0016\u0003\u0001\u0000\u00a5hello\r\n\r\n', 'latin1'),
    }),
  },
];

/** Every case of the corpus, in the order they are sent. */
export const BAD_INPUT_CASES: readonly BadInputCase[] = [
  ...headerCases,
  ...timestampCases,
  ...signatureCases,
  ...bodyCases,
  ...requestCases,
];
