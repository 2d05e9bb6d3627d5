export type { EventVerdict, Projection } from './projection.js';
export type { BulkLoad, BulkSession, CopySink } from './bulk/bulk-session.js';
export {
  copyLine,
  copyValue,
  CopyValueError,
  type CopyColumn,
  type CopyColumnKind,
} from './bulk/copy-text.js';
export { compareEvents, type ProjectionEvent } from './projection-event.js';
export { CallsProjection } from './calls/calls-projection.js';
export { CALL_CORRELATION_TOLERANCE_SECONDS } from './calls/call-event-row.js';
export { foldCall, type FoldedCall } from './calls/fold-call.js';
export { MessagesProjection } from './messages/messages-projection.js';
export { ContactsProjection } from './contacts/contacts-projection.js';
export { foldContact } from './contacts/contact-state.js';
export {
  indexableText,
  MAX_INDEXED_LENGTH,
  storableDate,
  storableSeconds,
  storableText,
} from './storable.js';
export { MAX_NESTING_DEPTH, UnstorableEventError } from './storable-event.js';
export { MAX_ENTITY_LOCKS } from './entity-locks.js';

import type { ProjectionName } from '@allo-pipeline/read-models';
import { CallsProjection } from './calls/calls-projection.js';
import { ContactsProjection } from './contacts/contacts-projection.js';
import { MessagesProjection } from './messages/messages-projection.js';
import type { Projection } from './projection.js';

/** Every projection by name: what the services, the CLI and the rebuilds run. */
export const PROJECTIONS: Readonly<Record<ProjectionName, Projection>> = {
  calls: CallsProjection,
  messages: MessagesProjection,
  contacts: ContactsProjection,
};
