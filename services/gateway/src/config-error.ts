/** A configuration problem found at start-up or on a reload; the message names the variable. */
export class GatewayConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'GatewayConfigError';
  }
}
