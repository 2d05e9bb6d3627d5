import type { AlloEvent, Company, Person } from '@allo-pipeline/allo-events';
import { compareEvents, latest, mergeData, type ProjectionEvent } from '../projection-event.js';
import { indexableText } from '../storable.js';

/** What one event says about a contact: a contact.* payload, or the person on a call event. */
export interface ContactSnapshot {
  contact_id: string;
  first_name: string | null;
  last_name: string | null;
  job_title: string | null;
  email: string | null;
  emails: string[] | null;
  numbers: string[] | null;
  company_id: string | null;
  company_name: string | null;
  custom: Record<string, unknown>;
  raw: Record<string, unknown>;
}

export interface ContactEventRow {
  webhook_id: string;
  contact_id: string;
  topic: string;
  occurred_at: Date;
  state: ContactSnapshot;
}

export interface ContactRowState {
  contact_id: string;
  first_name: string | null;
  last_name: string | null;
  job_title: string | null;
  email: string | null;
  emails: string[];
  numbers: string[];
  company_id: string | null;
  company_name: string | null;
  custom: Record<string, unknown>;
  updated_at: Date;
  data: Record<string, unknown>;
}

export const CONTACT_TOPICS = [
  'contact.created',
  'contact.updated',
  'call.received',
  'call.triggered',
  'call.answered',
  'call.completed',
] as const;

/**
 * The contact an event is about, with the path of its id: contact.* always (id null when
 * missing), call events when they carry a person with an id; null when it is about none.
 */
export function contactIdOf(event: AlloEvent): { id: string | null; path: string } | null {
  switch (event.topic) {
    case 'contact.created':
    case 'contact.updated':
      return { id: event.data.id, path: 'data.id' };
    case 'call.received':
    case 'call.triggered':
    case 'call.answered':
    case 'call.completed': {
      const id = event.data.person?.id ?? null;
      return id === null ? null : { id, path: 'data.person.id' };
    }
    default:
      return null;
  }
}

/** The contact snapshot an event carries, or null when it names no contact. */
export function contactSnapshotOf(event: AlloEvent): ContactSnapshot | null {
  switch (event.topic) {
    case 'contact.created':
    case 'contact.updated':
      return event.data.id === null
        ? null
        : snapshot(event.data.id, event.data, event.data.company, event.raw);
    case 'call.received':
    case 'call.triggered':
    case 'call.answered':
    case 'call.completed': {
      const person = event.data.person;
      if (person?.id === null || person === null) return null;
      const raw = event.raw.person;
      return snapshot(person.id, person, event.data.company, isObject(raw) ? raw : {});
    }
    default:
      return null;
  }
}

export function toContactEventRow(event: ProjectionEvent, state: ContactSnapshot): ContactEventRow {
  return {
    webhook_id: event.webhookId,
    contact_id: state.contact_id,
    topic: event.event.topic,
    occurred_at: event.occurredAt,
    state,
  };
}

/**
 * Folds every snapshot of one contact, oldest first: each field keeps the newest non-null value
 * (contact.updated may carry only changed fields), custom properties merge key by key. A call's
 * person snapshot therefore never overwrites a newer contact.updated, whatever the arrival order.
 */
export function foldContact(
  contactId: string,
  events: readonly Pick<ContactEventRow, 'webhook_id' | 'occurred_at' | 'state'>[],
): ContactRowState {
  const ordered = [...events]
    .map((e) => ({ ...e, webhookId: e.webhook_id, occurredAt: e.occurred_at }))
    .sort(compareEvents);
  const row: ContactRowState = {
    contact_id: contactId,
    first_name: null,
    last_name: null,
    job_title: null,
    email: null,
    emails: [],
    numbers: [],
    company_id: null,
    company_name: null,
    custom: {},
    updated_at: new Date(0),
    data: {},
  };
  for (const { state, occurred_at } of ordered) {
    row.first_name = latest(row.first_name, state.first_name);
    row.last_name = latest(row.last_name, state.last_name);
    row.job_title = latest(row.job_title, state.job_title);
    row.email = latest(row.email, state.email);
    row.emails = latest(row.emails, state.emails) ?? [];
    row.numbers = latest(row.numbers, state.numbers) ?? [];
    row.company_id = latest(row.company_id, state.company_id);
    row.company_name = latest(row.company_name, state.company_name);
    row.custom = mergeData(row.custom, state.custom);
    row.data = mergeData(row.data, state.raw);
    row.updated_at = occurred_at;
  }
  return row;
}

// Names, email and numbers are indexed (search, lookup by number): cut like any indexed text.
function snapshot(
  id: string,
  person: Person,
  company: Company | null,
  raw: Record<string, unknown>,
): ContactSnapshot {
  return {
    contact_id: id,
    first_name: indexableText(person.name),
    last_name: indexableText(person.last_name),
    job_title: person.job_title,
    email: indexableText(person.email),
    emails: person.emails,
    numbers: person.numbers?.map((n) => indexableText(n) ?? '') ?? null,
    company_id: company?.id ?? null,
    company_name: company?.name ?? null,
    custom: person.custom,
    raw,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
