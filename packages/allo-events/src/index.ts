export { ALLO_TOPICS, LEGACY_TOPICS, isAlloTopic, resolveTopic } from './topics.js';
export type { AlloTopic } from './topics.js';
export { parseAlloEvent } from './parse-allo-event.js';
export { partitionKey } from './partition-key.js';
export { parseAlloTimestamp } from './timestamp.js';
export type {
  AlloEvent,
  AlloEventMeta,
  AlloEventOf,
  CallAnsweredData,
  CallCompletedData,
  CallStartedData,
  Company,
  ContactContext,
  ContactData,
  Deal,
  EnvelopeKind,
  ParseIssue,
  ParseOutcome,
  Person,
  SmsData,
  SummaryUpdatedData,
  TagChangedData,
  Transcription,
  UnknownAlloEvent,
} from './types.js';
