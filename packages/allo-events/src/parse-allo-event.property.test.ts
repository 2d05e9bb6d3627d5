import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseAlloEvent } from './parse-allo-event.js';
import { partitionKey } from './partition-key.js';
import { LEGACY_EXAMPLES, SPEC_EXAMPLES } from './spec-examples.js';
import { parseOk } from './test-support.js';
import { ALLO_TOPICS, LEGACY_TOPICS } from './topics.js';
import type { AlloEvent, ParseOutcome } from './types.js';

// Every key the parser reads, at any level; random keys must avoid them to count as "unknown".
const KNOWN_KEYS = new Set(
  [
    'topic version timestamp data body',
    'id call_id call name from_number fromNumber to_number to started_at start_date startDate',
    'user_email person company deals type result summary recording_url recordingUrl',
    'from_name fromName to_name toName length_in_minutes lengthInMinutes length tags tag',
    'call_category transcriptions one_sentence_summary oneSentenceSummary concatenated_transcript',
    'direction content sent_at sender_id status updated_at updated_by',
    'last_name email emails numbers job_title',
  ]
    .join(' ')
    .split(' '),
);

const KEY_PREFIXES = ['call:', 'call-number:', 'sms:', 'sms-number:', 'contact:', 'topic:'];
const ERROR_ROOTS = ['$', 'topic', 'timestamp', 'version', 'data', 'body'];

function checkOutcome(outcome: ParseOutcome): void {
  if (outcome.ok) {
    checkKey(outcome.event);
    return;
  }
  expect(ERROR_ROOTS).toContain(outcome.error.path.split(/[.[]/)[0]);
  expect(outcome.error.message.length).toBeGreaterThan(0);
}

function checkKey(event: AlloEvent): void {
  const key = partitionKey(event);
  expect(partitionKey(event)).toBe(key);
  expect(KEY_PREFIXES.some((prefix) => key.startsWith(prefix))).toBe(true);
}

const anyTopic = fc.oneof(
  fc.constantFrom(...ALLO_TOPICS, ...LEGACY_TOPICS.keys(), 'PING'),
  fc.string({ maxLength: 20 }),
);
const knownKey = fc.constantFrom(...KNOWN_KEYS);
const plausibleValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.array(fc.record({ name: fc.string({ maxLength: 6 }) }), { maxLength: 2 }),
  fc.dictionary(knownKey, fc.oneof(fc.string({ maxLength: 6 }), fc.constant(null)), { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const envelopeLike = fc.record(
  {
    topic: fc.oneof(anyTopic, fc.jsonValue({ maxDepth: 1 })),
    version: fc.oneof(fc.constant('2.0'), fc.constant(null), fc.integer()),
    timestamp: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string(),
    ),
    data: fc.oneof(fc.dictionary(knownKey, plausibleValue, { maxKeys: 8 }), fc.jsonValue({ maxDepth: 2 })),
    body: fc.dictionary(knownKey, plausibleValue, { maxKeys: 4 }),
  },
  { requiredKeys: ['topic'] },
);

describe('parseAlloEvent properties', () => {
  it('never throws on random bytes, strings, JSON text or values', () => {
    const run = (input: unknown) => checkOutcome(parseAlloEvent(input));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), run), { numRuns: 1000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), run), { numRuns: 1000 });
    fc.assert(fc.property(fc.json({ maxDepth: 4 }), run), { numRuns: 500 });
    fc.assert(fc.property(fc.anything({ maxDepth: 4 }), run), { numRuns: 1000 });
  });

  it('never throws on envelope-shaped values, as objects or as bytes', () => {
    fc.assert(
      fc.property(envelopeLike, (envelope) => {
        checkOutcome(parseAlloEvent(envelope));
        checkOutcome(parseAlloEvent(Buffer.from(JSON.stringify(envelope))));
      }),
      { numRuns: 1500 },
    );
  });
});

const unknownKey = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'),
);
const extraKeys = fc.dictionary(
  unknownKey.filter((key) => !KNOWN_KEYS.has(key)),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 5 },
);
const validBodies: Record<string, unknown>[] = [
  ...Object.values(SPEC_EXAMPLES).map((text) => JSON.parse(text) as Record<string, unknown>),
  ...Object.values(LEGACY_EXAMPLES),
];

/** The parsed fields that must not depend on unknown keys (custom/raw/unknown data are open). */
function knownPart(event: AlloEvent): unknown {
  const { raw: _raw, ...rest } = event;
  if (rest.topic === 'unknown') return { ...rest, data: null };
  const data: Record<string, unknown> = { ...rest.data };
  delete data['custom'];
  if (typeof data['person'] === 'object' && data['person'] !== null) {
    data['person'] = { ...data['person'], custom: null };
  }
  return { ...rest, data };
}

function withExtras(body: Record<string, unknown>, extras: Record<string, unknown>[]): object {
  const [top = {}, payload = {}, person = {}] = extras;
  const key = 'data' in body ? 'data' : 'body';
  const inner = body[key];
  if (typeof inner !== 'object' || inner === null) return { ...top, ...body };
  const innerObj = inner as Record<string, unknown>;
  const personObj = innerObj['person'];
  const withPerson =
    typeof personObj === 'object' && personObj !== null
      ? { person: { ...extraFirst(person, personObj) } }
      : {};
  return { ...top, ...body, [key]: { ...extraFirst(payload, innerObj), ...withPerson } };
}

// Extra keys first, so the (known) keys of the valid payload are untouched by the spread.
function extraFirst(extra: Record<string, unknown>, known: object): object {
  return { ...extra, ...known };
}

describe('unknown keys and partition keys', () => {
  it('adding random unknown keys never changes the parsed known fields', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...validBodies),
        fc.array(extraKeys, { minLength: 3, maxLength: 3 }),
        fc.boolean(),
        (body, extras, asBytes) => {
          const mixed = withExtras(body, extras);
          const event = parseOk(asBytes ? Buffer.from(JSON.stringify(mixed)) : mixed);
          expect(knownPart(event)).toEqual(knownPart(parseOk(body)));
          expect(partitionKey(event)).toBe(partitionKey(parseOk(body)));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('partitionKey is deterministic and well-formed for every parsed event', () => {
    const id = fc.option(fc.string({ maxLength: 8 }));
    const data = fc.record(
      {
        id,
        call_id: id,
        from_number: id,
        to_number: id,
        to: id,
        type: fc.constantFrom('INBOUND', 'OUTBOUND', 'outbound', null),
        tag: id,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(anyTopic, fc.boolean(), data, (topic, legacy, payload) => {
        const body = legacy ? { topic, body: payload } : { topic, version: '2.0', data: payload };
        const event = parseOk(body);
        checkKey(event);
        expect(partitionKey(parseOk(JSON.stringify(body)))).toBe(partitionKey(event));
      }),
      { numRuns: 1000 },
    );
  });
});
