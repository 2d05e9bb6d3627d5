export interface ErrorBody {
  error: { code: string; message: string; parameter?: string };
}

/** A client error (4xx) whose JSON body is safe to expose. Anything else becomes a bare 500. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    const { code, message, parameter } = this;
    return { error: parameter === undefined ? { code, message } : { code, message, parameter } };
  }
}

/** 400 naming the query or path parameter at fault. */
export function invalidParameter(parameter: string, problem: string): ApiError {
  return new ApiError(400, 'invalid_parameter', `${parameter}: ${problem}`, parameter);
}

/** 404 for an id (or route) that does not exist. */
export function notFound(message: string): ApiError {
  return new ApiError(404, 'not_found', message);
}
