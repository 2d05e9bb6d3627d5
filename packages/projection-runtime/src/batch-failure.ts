import { RegistryUnavailableError } from './decode-messages.js';

/**
 * Why applying a batch failed, as far as what to do next goes:
 * - `transient`: the environment (database or registry unreachable, restarting, out of
 *   resources, a lock conflict, a serialization failure or deadlock); the same batch will succeed
 *   later, so it is retried for as long as it takes (and reported as stuck past a threshold);
 * - `deterministic`: the data (invalid text, a number out of range, a check or not-null
 *   violation, JSON Postgres rejects, nesting too deep for the stack); the same record fails
 *   every time, so it is found and dead-lettered and the rest of the batch moves on;
 * - `unknown`: anything else (a JavaScript error in a fold); retried a few times, then treated as
 *   deterministic, so that a partition never waits behind one record for good.
 */
export type FailureKind = 'transient' | 'deterministic' | 'unknown';

// SQLSTATE classes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const TRANSIENT_CLASSES = new Set([
  '08', // connection exception
  '40', // transaction rollback: serialization failure, deadlock
  '53', // insufficient resources: disk full, out of memory, too many connections
  '57', // operator intervention: admin shutdown, cannot connect now, query canceled
  '58', // system error: I/O
  // Not caused by a record: a schema, permission or server problem the operator fixes; retried.
  '0A', // feature not supported
  '25', // invalid transaction state
  '28', // invalid authorization
  '3D', // invalid catalog (database) name
  '42', // syntax error or access rule violation (missing table, no privilege)
  '55', // object not in prerequisite state (lock not available)
  'XX', // internal error
]);
const DETERMINISTIC_CLASSES = new Set([
  '22', // data exception: invalid text, numeric or datetime out of range, bad JSON
  '23', // integrity constraint violation: not null, check
  '54', // program limit exceeded: stack depth, too many columns
]);

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
const TRANSIENT_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

/** Classifies an error thrown while decoding, planning or committing a batch. */
export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof RegistryUnavailableError) return 'transient';
  const code = errorCode(error);
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    const sqlClass = code.slice(0, 2);
    if (TRANSIENT_CLASSES.has(sqlClass)) return 'transient';
    if (DETERMINISTIC_CLASSES.has(sqlClass)) return 'deterministic';
    return 'unknown';
  }
  if (code !== undefined && TRANSIENT_NODE_CODES.has(code)) return 'transient';
  if (error instanceof Error && TRANSIENT_MESSAGES.test(error.message)) return 'transient';
  // "Maximum call stack size exceeded": a record nested too deep for a fold or JSON.stringify.
  if (error instanceof RangeError) return 'deterministic';
  return 'unknown';
}

/** A short, storable description of a failure for a dead letter or a fault (no parameters). */
export function describeFailure(error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code === undefined
    ? message
    : `${message} (${/^[0-9A-Z]{5}$/.test(code) ? 'SQLSTATE ' : ''}${code})`;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
