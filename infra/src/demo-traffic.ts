import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serviceUrl } from './readiness-wait.js';
import type { ServiceSpec } from './supervisor.js';

// The demo of `npm start -- --demo`: the simulator's --stream mode, run as one more supervised
// process named "demo" once the pipeline is up. It signs with the gateway's secret for the
// default source (passed in its environment, never on its command line, which `ps` shows) and
// sends realistic traffic dated now: calls, SMS and contact changes, Allo's retry schedule on
// refusals, and occasional duplicates.

export type DemoPlan =
  | { readonly kind: 'ready'; readonly spec: ServiceSpec }
  | { readonly kind: 'unavailable'; readonly reason: string };

export function demoService(env: NodeJS.ProcessEnv, ratePerSecond: number, root: string): DemoPlan {
  const main = join(root, 'packages', 'allo-simulator', 'dist', 'cli.js');
  if (!existsSync(main)) return { kind: 'unavailable', reason: `the simulator is not built (${main})` };
  // During a rotation the variable lists several secrets; the first one signs.
  const secret = env.ALLO_WEBHOOK_SECRET?.trim().split(/\s+/)[0];
  if (!secret) {
    return {
      kind: 'unavailable',
      reason: 'the default source has no secret in ALLO_WEBHOOK_SECRET (sources configured otherwise)',
    };
  }
  const url = `${serviceUrl('gateway', env)}/webhooks/allo`;
  return {
    kind: 'ready',
    spec: {
      name: 'demo',
      main,
      args: ['--stream', '--rate', String(ratePerSecond), '--url', url],
      env: { ...env, ALLO_WEBHOOK_SECRET: secret },
    },
  };
}

export function describeDemo(ratePerSecond: number): string {
  return (
    `\nDemo: sending about ${ratePerSecond} simulated Allo events per second (calls, SMS, contact ` +
    "changes, dated now, with Allo's retries and occasional duplicates) through the gateway; the " +
    'dashboard fills within a minute. Ctrl-C stops the demo and the pipeline; the data stays.\n'
  );
}
