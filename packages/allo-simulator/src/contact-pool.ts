import type { Random } from './random.js';
import {
  COMPANIES,
  DEAL_NAMES,
  DEAL_STATUSES,
  FIRST_NAMES,
  JOB_TITLES,
  LAST_NAMES,
  LEAD_SOURCES,
  US_AREA_CODES,
} from './sample-data.js';
import type { Timeline } from './timeline.js';

/** The Person object of Allo's payloads, with custom contact properties as extra top-level keys. */
export interface Person {
  readonly id: string;
  readonly name: string | null;
  readonly last_name: string | null;
  readonly email: string | null;
  readonly emails: readonly string[];
  readonly numbers: readonly string[];
  readonly job_title: string | null;
  readonly [customProperty: string]: unknown;
}

export interface Company {
  readonly id: string;
  readonly name: string | null;
}

export interface Deal {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly value: number;
  readonly currency: string;
  readonly close_date: string;
}

/** A contact of the simulated workspace and every version of its Person object over time. */
export interface SimulatedContact {
  readonly number: string;
  readonly company: Company;
  readonly deals: readonly Deal[] | null;
  /** Ascending by `at`; the first entry is the `contact.created` version. */
  readonly versions: readonly { readonly at: number; readonly person: Person }[];
}

/** A fresh E.164 number not yet in `used`: US 555-01xx numbers or French +33 6 mobiles. */
export function randomPhoneNumber(random: Random, used: Set<string>): string {
  for (;;) {
    const number = random.chance(0.75)
      ? `+1${random.pick(US_AREA_CODES)}55501${random.int(0, 99).toString().padStart(2, '0')}`
      : `+336${random.int(0, 99_999_999).toString().padStart(8, '0')}`;
    if (!used.has(number)) {
      used.add(number);
      return number;
    }
  }
}

/** Builds `count` contacts created during the first half of the timeline, some updated later. */
export function createContactPool(
  random: Random,
  count: number,
  timeline: Timeline,
  usedNumbers: Set<string>,
): SimulatedContact[] {
  return Array.from({ length: count }, () => createContact(random, timeline, usedNumbers));
}

/** The Person as it was at `at`, or undefined when the contact did not exist yet. */
export function personAt(contact: SimulatedContact, at: number): Person | undefined {
  let current: Person | undefined;
  for (const version of contact.versions) if (version.at <= at) current = version.person;
  return current;
}

/** "First Last" for display fields (`from_name`, `to_name`), or null for an unknown party. */
export function displayName(person: Person | undefined): string | null {
  if (!person) return null;
  const full = [person.name, person.last_name].filter((part) => part !== null).join(' ');
  return full === '' ? null : full;
}

function createContact(random: Random, timeline: Timeline, usedNumbers: Set<string>): SimulatedContact {
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const company = random.pick(COMPANIES);
  const number = randomPhoneNumber(random, usedNumbers);
  const email = `${first}.${last}@${company.domain}`.toLowerCase();
  const created: Person = {
    id: `con_${random.base62(20)}`,
    name: first,
    last_name: random.chance(0.9) ? last : null,
    email,
    emails: [email],
    numbers: random.chance(0.15) ? [number, randomPhoneNumber(random, usedNumbers)] : [number],
    job_title: random.chance(0.7) ? random.pick(JOB_TITLES) : null,
    ...(random.chance(0.6) ? { lead_source: random.pick(LEAD_SOURCES) } : {}),
    ...(random.chance(0.3)
      ? { linkedin_url: `https://www.linkedin.com/in/${first}-${last}-${random.hex(6)}`.toLowerCase() }
      : {}),
  };
  const createdAt = timeline.start + Math.floor(random.next() * timeline.spanMs * 0.5);
  const versions = [{ at: createdAt, person: created }];
  const updates = random.chance(0.5) ? random.int(1, 2) : 0;
  for (let i = 0; i < updates; i++) {
    const previous = versions[versions.length - 1]!;
    const at = previous.at + random.int(60_000, Math.max(60_000, Math.floor(timeline.spanMs * 0.25)));
    versions.push({ at, person: updatePerson(random, previous.person) });
  }
  return {
    number,
    company: { id: `com-${random.hex(12)}`, name: company.name },
    deals: random.chance(0.4) ? [createDeal(random, timeline)] : null,
    versions,
  };
}

/** One realistic edit: a new job title, a personal email, or a lead source filled in. */
function updatePerson(random: Random, person: Person): Person {
  switch (random.int(0, 2)) {
    case 0:
      return { ...person, job_title: random.pick(JOB_TITLES) };
    case 1: {
      const personal = `${person.name ?? 'contact'}.${random.hex(4)}@gmail.com`.toLowerCase();
      return { ...person, emails: [...person.emails, personal] };
    }
    default:
      return { ...person, lead_source: random.pick(LEAD_SOURCES) };
  }
}

function createDeal(random: Random, timeline: Timeline): Deal {
  const closeDay = new Date(timeline.start + random.int(7, 90) * 86_400_000).toISOString().slice(0, 10);
  return {
    id: `dea-${random.hex(12)}`,
    name: random.pick(DEAL_NAMES),
    status: random.pick(DEAL_STATUSES),
    value: random.int(10, 400) * 100,
    currency: random.pick(['USD', 'EUR']),
    close_date: `${closeDay}T00:00:00`,
  };
}
