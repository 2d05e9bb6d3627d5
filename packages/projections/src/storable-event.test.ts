import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseAlloEvent, type AlloEvent } from '@allo-pipeline/allo-events';
import {
  assertStorable,
  MAX_NESTING_DEPTH,
  unstorableReason,
  UnstorableEventError,
} from './storable-event.js';
import { MAX_INDEXED_LENGTH } from './storable.js';

/** `data` whose `field` holds `levels` nested objects ({a: {a: … 1}}), as JSON text. */
const nestedBody = (levels: number) =>
  `{"topic":"contact.updated","version":"2.0","timestamp":"2026-02-03T11:30:55.004Z","data":{"id":"con_1","field":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}}`;

function parse(body: string): AlloEvent {
  const parsed = parseAlloEvent(body);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.event;
}

describe('unstorable events', () => {
  it('accepts data nested up to the limit and rejects one level more, naming the field', () => {
    // data is level 1, so its field may hold MAX_NESTING_DEPTH - 1 levels.
    expect(unstorableReason(parse(nestedBody(MAX_NESTING_DEPTH - 1)))).toBeNull();
    expect(unstorableReason(parse(nestedBody(MAX_NESTING_DEPTH)))).toBe(
      `data.field nests more than ${MAX_NESTING_DEPTH} levels deep (at most ${MAX_NESTING_DEPTH} are stored)`,
    );
  });

  it('measures 100 000 levels without overflowing the stack', () => {
    expect(unstorableReason(parse(nestedBody(100_000)))).toMatch(/^data\.field nests more than/);
  });

  it('counts objects and arrays alike, and agrees with a recursive depth around the limit', () => {
    const depth = (value: unknown): number =>
      typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depth)) : 0;
    const wrappers = fc.array(fc.boolean(), {
      minLength: MAX_NESTING_DEPTH - 8,
      maxLength: MAX_NESTING_DEPTH + 4,
    });
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), wrappers, (inner, asArray) => {
        const field = asArray.reduce<unknown>((value, array) => (array ? [value] : { k: value }), inner);
        const event = parse(JSON.stringify({ topic: 'contact.updated', data: { id: 'c', field } }));
        // data is level 1.
        expect(unstorableReason(event) === null).toBe(1 + depth(field) <= MAX_NESTING_DEPTH);
      }),
    );
  });

  it('rejects an entity id too long to index', () => {
    const event = parse(nestedBody(1));
    expect(unstorableReason(event, { 'data.id': 'c'.repeat(MAX_INDEXED_LENGTH) })).toBeNull();
    expect(unstorableReason(event, { 'data.id': 'c'.repeat(MAX_INDEXED_LENGTH + 1) })).toBe(
      `data.id is ${MAX_INDEXED_LENGTH + 1} characters long, more than the ${MAX_INDEXED_LENGTH} an id may have`,
    );
  });

  it('throws a RangeError subclass naming the webhook id for an event applied anyway', () => {
    const deep = { webhookId: 'wh_deep', occurredAt: new Date(), event: parse(nestedBody(1000)) };
    const thrown = (() => {
      try {
        assertStorable([{ ...deep, webhookId: 'wh_ok', event: parse(nestedBody(3)) }, deep]);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(UnstorableEventError);
    expect(thrown).toBeInstanceOf(RangeError);
    expect(thrown).toMatchObject({
      name: 'UnstorableEventError',
      webhookId: 'wh_deep',
      message: expect.stringMatching(/^event wh_deep cannot be stored: data\.field nests more than 100/),
    });
  });
});
