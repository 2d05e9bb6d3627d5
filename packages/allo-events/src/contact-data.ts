import {
  collectOtherKeys,
  expectObject,
  readArray,
  readNumber,
  readObject,
  readString,
  readStringArray,
  type JsonObject,
} from './read-fields.js';
import type { Company, ContactContext, ContactData, Deal, Person } from './types.js';

const PERSON_KEYS = ['id', 'name', 'last_name', 'email', 'emails', 'numbers', 'job_title'] as const;
const PERSON_KEY_SET: ReadonlySet<string> = new Set(PERSON_KEYS);
const CONTACT_KEY_SET: ReadonlySet<string> = new Set([...PERSON_KEYS, 'company', 'deals']);

/** Reads a Person; every key not in `known` goes to `custom` (dynamic custom properties). */
export function readPerson(obj: JsonObject, base: string, known = PERSON_KEY_SET): Person {
  return {
    id: readString(obj, base, 'id'),
    name: readString(obj, base, 'name'),
    last_name: readString(obj, base, 'last_name'),
    email: readString(obj, base, 'email'),
    emails: readStringArray(obj, base, 'emails'),
    numbers: readStringArray(obj, base, 'numbers'),
    job_title: readString(obj, base, 'job_title'),
    custom: collectOtherKeys(obj, known),
  };
}

export function readCompany(obj: JsonObject, base: string): Company {
  return { id: readString(obj, base, 'id'), name: readString(obj, base, 'name') };
}

export function readDeal(value: unknown, path: string): Deal {
  const obj = expectObject(value, path);
  return {
    id: readString(obj, path, 'id'),
    name: readString(obj, path, 'name'),
    status: readString(obj, path, 'status'),
    value: readNumber(obj, path, 'value'),
    currency: readString(obj, path, 'currency'),
    close_date: readString(obj, path, 'close_date'),
  };
}

/** `company` and `deals` (both may be null/absent). */
function readCompanyAndDeals(obj: JsonObject, base: string): Pick<ContactContext, 'company' | 'deals'> {
  const company = readObject(obj, base, 'company');
  return {
    company: company === null ? null : readCompany(company.value, company.path),
    deals: readArray(obj, base, 'deals', readDeal),
  };
}

/** `person`, `company`, `deals` as attached to call events (spec §3.1). */
export function readContactContext(obj: JsonObject, base: string): ContactContext {
  const person = readObject(obj, base, 'person');
  return {
    person: person === null ? null : readPerson(person.value, person.path),
    ...readCompanyAndDeals(obj, base),
  };
}

/** contact.created / contact.updated: the payload itself is the Person (spec §3.7). */
export function readContactData(obj: JsonObject, base: string): ContactData {
  return { ...readPerson(obj, base, CONTACT_KEY_SET), ...readCompanyAndDeals(obj, base) };
}
