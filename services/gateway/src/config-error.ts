import { ConfigError } from '@allo-pipeline/service-config';

/** A configuration problem found at start-up or on a reload; the message names the variable. */
export class GatewayConfigError extends ConfigError {
  constructor(variable: string, problem: string) {
    super(variable, problem);
    this.name = 'GatewayConfigError';
  }
}
