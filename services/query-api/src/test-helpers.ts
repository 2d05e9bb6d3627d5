// Test support shared by the unit and integration tests of this service; not used by the service.
import { ApiError } from './api-error.js';

/** The parameter a 400 ApiError names, or undefined when `run` does not throw. */
export function parameterOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) return error.parameter;
    throw error;
  }
  return undefined;
}

/** A list response body (supertest types bodies as any). */
export interface ListBody<T> {
  data: T[];
  next_cursor: string | null;
}

export function listBody<T = { id: string } & Record<string, unknown>>(res: { body: unknown }): ListBody<T> {
  return res.body as ListBody<T>;
}

/** The `error` object of an error response body. */
export function errorBody(res: { body: unknown }): { code: string; message: string; parameter?: string } {
  return (res.body as { error: { code: string; message: string; parameter?: string } }).error;
}
