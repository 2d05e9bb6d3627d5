import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { generateHistory, HistoryOptionsError, type SimulatedEvent } from './generate-history.js';

interface Envelope {
  topic: string;
  version: string;
  timestamp: string;
  data: Record<string, unknown>;
}

const parse = (event: SimulatedEvent) => JSON.parse(event.body) as Envelope;
const ofTopic = (events: SimulatedEvent[], topic: string) =>
  events.map(parse).filter((e) => e.topic === topic);
const options = { seed: 7, calls: 40, smsConversations: 20, contacts: 15, endAt: '2026-02-03T12:00:00.000Z' };

describe('generateHistory', () => {
  it('anchors the history at endAt: its last event happens then, none after', () => {
    const events = generateHistory(options).map(parse);
    const times = events.map((e) => Date.parse(e.timestamp));
    expect(Math.max(...times)).toBe(Date.parse(options.endAt));
    expect(Math.min(...times)).toBeGreaterThan(Date.parse(options.endAt) - 24 * 3_600_000);
  });

  it('is dated now by default, so it lands in the last 24 hours', () => {
    const before = Date.now();
    const { endAt: _fixed, ...undated } = options;
    const times = generateHistory(undated).map((e) => Date.parse(parse(e).timestamp));
    const after = Date.now();
    expect(Math.max(...times)).toBeGreaterThanOrEqual(before);
    expect(Math.max(...times)).toBeLessThanOrEqual(after);
    expect(Math.min(...times)).toBeGreaterThan(after - 24 * 3_600_000);
  });

  it('keeps the same history, shifted, whatever it is anchored at', () => {
    const shifted = generateHistory({ ...options, endAt: Date.parse(options.endAt) + 86_400_000 });
    const original = generateHistory(options);
    expect(shifted.map((e) => e.id)).toEqual(original.map((e) => e.id));
    const times = (events: SimulatedEvent[]) => events.map((e) => Date.parse(parse(e).timestamp));
    expect(times(shifted)).toEqual(times(original).map((t) => t + 86_400_000));
  });

  it('is byte-identical for a seed and different for another', () => {
    const first = generateHistory(options);
    expect(generateHistory(options)).toEqual(first);
    const other = generateHistory({ ...options, seed: 8 });
    expect(other.map((e) => e.body)).not.toEqual(first.map((e) => e.body));
    expect(other.map((e) => e.id)).not.toEqual(first.map((e) => e.id));
  });

  it('wraps every event in the v2 envelope with a msg_ webhook-id, ordered by timestamp', () => {
    const events = generateHistory({ ...options, startAt: '2026-02-03T09:00:00.000Z' });
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    let previous = Date.parse('2026-02-03T09:00:00.000Z');
    for (const event of events) {
      expect(event.id).toMatch(/^msg_[0-9A-Za-z]{20}$/);
      const envelope = parse(event);
      expect(Object.keys(envelope)).toEqual(['topic', 'version', 'timestamp', 'data']);
      expect(envelope.topic).toBe(event.topic);
      expect(envelope.version).toBe('2.0');
      expect(envelope.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.(\d{3}|\d{6})Z$/);
      const at = Date.parse(envelope.timestamp);
      expect(at).toBeGreaterThanOrEqual(previous);
      previous = at;
    }
  });

  it('pairs each call.completed with a start event sharing its numbers and start time', () => {
    const events = generateHistory(options);
    const completed = ofTopic(events, 'call.completed');
    const starts = [...ofTopic(events, 'call.received'), ...ofTopic(events, 'call.triggered')];
    expect(completed).toHaveLength(options.calls);
    expect(starts).toHaveLength(options.calls);
    for (const { data, timestamp } of completed) {
      expect(data.id).toMatch(/^cll_[0-9A-Za-z]{20}$/);
      expect(['ANSWERED', 'VOICEMAIL', 'TRANSFERRED_AI', 'TRANSFERRED_EXTERNAL', 'FAILED']).toContain(
        data.result,
      );
      const inbound = data.type === 'INBOUND';
      const start = starts.find(
        (s) =>
          s.topic === (inbound ? 'call.received' : 'call.triggered') &&
          s.data.started_at === data.start_date &&
          s.data.from_number === data.from_number &&
          s.data.to_number === data.to,
      );
      expect(start).toBeDefined();
      expect(start?.data).not.toHaveProperty('id');
      expect(Date.parse(start!.timestamp)).toBeLessThan(Date.parse(timestamp));
    }
  });

  it('adds tags before completion and lists what remains on call.completed', () => {
    const events = generateHistory(options);
    const added = ofTopic(events, 'tag.added');
    expect(added.length).toBeGreaterThan(0);
    for (const { data } of ofTopic(events, 'call.completed')) {
      const tagsOf = (topic: string) =>
        ofTopic(events, topic)
          .filter((e) => e.data.call_id === data.id)
          .map((e) => e.data.tag);
      const removed = tagsOf('tag.removed');
      expect(data.tags).toEqual(tagsOf('tag.added').filter((tag) => !removed.includes(tag)));
      const recording: unknown = data.recording_url;
      expect(
        recording === null || (typeof recording === 'string' && recording.includes(`${data.id as string}`)),
      ).toBe(true);
    }
  });

  it('creates each contact once before any update, in the Person shape', () => {
    const events = generateHistory(options).map(parse);
    const created = events.filter((e) => e.topic === 'contact.created');
    expect(created).toHaveLength(options.contacts);
    expect(events.some((e) => e.topic === 'contact.updated')).toBe(true);
    const createdAt = new Map(created.map((e) => [e.data.id, Date.parse(e.timestamp)]));
    for (const event of events.filter((e) => e.topic.startsWith('contact.'))) {
      const person = event.data;
      expect(person.id).toMatch(/^con_[0-9A-Za-z]{20}$/);
      expect(person).toEqual(
        expect.objectContaining({ emails: expect.any(Array), numbers: expect.any(Array) }),
      );
      for (const key of ['name', 'last_name', 'email', 'job_title']) expect(person).toHaveProperty(key);
      for (const number of person.numbers as string[]) expect(number).toMatch(/^\+[1-9]\d{9,13}$/);
      if (event.topic === 'contact.updated') {
        expect(Date.parse(event.timestamp)).toBeGreaterThan(createdAt.get(person.id)!);
      }
    }
  });

  it('relates calls and SMS to the contact pool through shared numbers', () => {
    const events = generateHistory(options);
    const contactNumbers = new Set(
      ofTopic(events, 'contact.created').flatMap((e) => e.data.numbers as string[]),
    );
    for (const { data } of ofTopic(events, 'call.received')) {
      if (data.person === undefined) {
        expect(data.company).toBeNull();
        continue;
      }
      expect((data.person as { numbers: string[] }).numbers).toContain(data.from_number);
    }
    const sms = [...ofTopic(events, 'sms.received'), ...ofTopic(events, 'sms.sent')];
    expect(sms.length).toBeGreaterThanOrEqual(options.smsConversations);
    for (const { topic, data } of sms) {
      expect(data.id).toMatch(/^msg_[0-9A-Za-z]{20}$/);
      expect(data.type).toBe('SMS');
      expect(data.direction).toBe(topic === 'sms.received' ? 'INBOUND' : 'OUTBOUND');
      expect(typeof data.content).toBe('string');
    }
    const external = sms.map((e) => (e.topic === 'sms.received' ? e.data.from_number : e.data.to_number));
    expect(external.some((number) => contactNumbers.has(number as string))).toBe(true);
  });

  it('keeps its invariants for any seed and size', () => {
    fc.assert(
      fc.property(fc.integer(), fc.nat(6), fc.nat(4), fc.nat(5), (seed, calls, sms, contacts) => {
        const events = generateHistory({ seed, calls, smsConversations: sms, contacts });
        expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
        expect(ofTopic(events, 'call.completed')).toHaveLength(calls);
        expect(ofTopic(events, 'contact.created')).toHaveLength(contacts);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects bad counts and dates', () => {
    expect(() => generateHistory({ ...options, calls: -1 })).toThrow(HistoryOptionsError);
    expect(() => generateHistory({ ...options, startAt: 'yesterday' })).toThrow(/startAt/);
    expect(() => generateHistory({ ...options, endAt: 'tomorrow' })).toThrow(/endAt/);
  });
});
