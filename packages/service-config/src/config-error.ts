/**
 * A configuration problem found at start-up; the message names the variable (never its value
 * when that may be a secret). Services' own error classes extend it, so one `instanceof` check
 * covers the shared settings and theirs.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/**
 * Runs `read`, turning a ConfigError of the shared parsers into the service's own subclass, so
 * callers that catch e.g. GatewayConfigError keep seeing one error type for the whole config.
 */
export function asServiceConfigError<T>(
  create: (variable: string, problem: string) => ConfigError,
  read: () => T,
): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ConfigError && error.constructor === ConfigError)
      throw create(error.variable, error.problem);
    throw error;
  }
}
