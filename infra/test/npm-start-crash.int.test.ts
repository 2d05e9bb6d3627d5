import { afterAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { parseAlloEvent } from '@allo-pipeline/allo-events';
import { deliverEvents, generateHistory, type SimulatedEvent } from '@allo-pipeline/allo-simulator';
import { waitUntil } from '@allo-pipeline/projection-runtime';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { generationSchema, PROJECTION_NAMES, type ProjectionName } from '@allo-pipeline/read-models';
import { parseSecret } from '@allo-pipeline/webhook-signature';
import {
  allProjected,
  connectClients,
  newInstallation,
  portsStillOpen,
  rawWebhookIds,
  removeInstallation,
  RunningPipeline,
  SERVICE_PORTS,
  url,
  type Installation,
  type PipelineClients,
} from './running-pipeline.js';

// Issue 10's crash test: under `npm start`, each service in turn is SIGKILLed while the simulator
// delivers with Allo's retries. Each must serve again within 10 s (the supervisor restarts it
// alone), and every acknowledged event must end in the read models exactly once.

const SERVING_AGAIN_WITHIN_MS = 10_000;

/** Where each projection keeps the webhook ids it applied (one row per id). */
const EVENT_STORES: Record<ProjectionName, string> = {
  calls: 'call_events',
  messages: 'applied_webhooks',
  contacts: 'contact_events',
};

/** Kills `service` and resolves with the seconds until it serves again from a new process. */
async function killAndTime(pipeline: RunningPipeline, service: string): Promise<number> {
  const before = pipeline.supervisor()!.services.find((s) => s.name === service)!;
  process.kill(before.pid!, 'SIGKILL');
  const killedAt = Date.now();
  await waitUntil(
    `${service} to serve again after SIGKILL`,
    async () => {
      const now = pipeline.supervisor()?.services.find((s) => s.name === service);
      return (
        now !== undefined &&
        now.pid !== before.pid &&
        now.restarts === before.restarts + 1 &&
        (await pipeline.isServing(service))
      );
    },
    60_000,
  );
  return (Date.now() - killedAt) / 1000;
}

/** The acknowledged webhook ids each projection applies (its topics, and classify says apply). */
function expectedByProjection(acked: readonly SimulatedEvent[]): Record<ProjectionName, Set<string>> {
  const expected = { calls: new Set<string>(), messages: new Set<string>(), contacts: new Set<string>() };
  for (const event of acked) {
    const parsed = parseAlloEvent(Buffer.from(event.body));
    if (!parsed.ok) continue;
    for (const name of PROJECTION_NAMES) {
      const projection = PROJECTIONS[name];
      if (
        projection.topics.includes(parsed.event.topic) &&
        projection.classify(parsed.event).kind === 'apply'
      )
        expected[name].add(event.id);
    }
  }
  return expected;
}

async function storedIds(clients: PipelineClients, projection: ProjectionName): Promise<string[]> {
  const live = await clients.db
    .selectFrom('read_model.projections')
    .select('live_version')
    .where('projection', '=', projection)
    .executeTakeFirstOrThrow();
  const table = sql.table(`${generationSchema(projection, live.live_version)}.${EVENT_STORES[projection]}`);
  const { rows } = await sql<{ webhook_id: string }>`select webhook_id from ${table}`.execute(clients.db);
  return rows.map((r) => r.webhook_id);
}

/** Message rows beyond one per distinct message id that the acknowledged SMS events name. */
async function duplicateMessages(
  clients: PipelineClients,
  acked: readonly SimulatedEvent[],
): Promise<number> {
  const ids = new Set(
    acked.flatMap((e) => {
      const parsed = parseAlloEvent(Buffer.from(e.body));
      return parsed.ok && parsed.event.topic.startsWith('sms.')
        ? [String((parsed.event.data as { id?: unknown }).id)]
        : [];
    }),
  );
  const { rows } = await sql<{ n: string }>`select count(*) as n from read_model.messages`.execute(
    clients.db,
  );
  return Number(rows[0]!.n) - ids.size;
}

describe('npm start under SIGKILL of each service', () => {
  let installation: Installation | undefined;
  let pipeline: RunningPipeline | undefined;

  afterAll(async () => {
    await pipeline?.stop().catch(() => undefined);
    if (installation) removeInstallation(installation);
  }, 120_000);

  it('restarts each service alone within 10 s and loses or doubles nothing acknowledged', async () => {
    installation = await newInstallation();
    pipeline = await RunningPipeline.start(installation);
    const events = generateHistory({
      seed: 11,
      calls: 40,
      smsConversations: 30,
      contacts: 15,
      startAt: new Date(),
    });
    const acked: SimulatedEvent[] = [];
    const delivery = deliverEvents(events, {
      url: url(installation, 'GATEWAY_PORT', '/webhooks/allo'),
      secret: parseSecret(installation.secret, 'ALLO_WEBHOOK_SECRET'),
      concurrency: 8,
      // Spread over the kills: about 60 s of traffic.
      ratePerSecond: Math.ceil(events.length / 60),
      timeScale: 0.001,
      duplicateRate: 0.05,
      reorderWindow: 4,
      seed: 11,
      onAck: (event) => acked.push(event),
    });
    const recovery = new Map<string, number>();
    for (const service of Object.keys(SERVICE_PORTS))
      recovery.set(service, await killAndTime(pipeline, service));
    const report = await delivery;
    const clients = await connectClients(installation);
    try {
      await waitUntil('every acknowledged event to be projected', () => allProjected(clients), 90_000);
      const raw = new Set(await rawWebhookIds(clients));
      const expected = expectedByProjection(acked);
      const lost: Record<string, number> = {};
      const extra: Record<string, number> = {};
      for (const name of PROJECTION_NAMES) {
        const stored = await storedIds(clients, name);
        lost[name] = [...expected[name]].filter((id) => !stored.includes(id) || !raw.has(id)).length;
        extra[name] =
          stored.length - new Set(stored).size + stored.filter((id) => !expected[name].has(id)).length;
      }
      extra.messages = (extra.messages ?? 0) + (await duplicateMessages(clients, acked));
      const table = [
        '\ncrash under npm start (SIGKILL, one service after another, while the simulator delivers):',
        '  service              serving again  acknowledged  lost  duplicated',
        ...[...recovery].map(([service, seconds]) => {
          const projection = service.startsWith('projector-')
            ? (service.slice(10) as ProjectionName)
            : undefined;
          const ack = projection ? expected[projection].size : report.acknowledged;
          const l = projection ? lost[projection]! : acked.filter((e) => !raw.has(e.id)).length;
          const d = projection ? extra[projection]! : 0;
          return `  ${service.padEnd(20)} ${`${seconds.toFixed(1)} s`.padStart(13)}  ${String(ack).padStart(12)}  ${String(l).padStart(4)}  ${String(d).padStart(10)}`;
        }),
        `  simulator: ${report.events} events, ${report.acknowledged} acknowledged, ${report.failed} failed, ${report.retried} retries, ${report.duplicatesSent} duplicates sent`,
        '',
      ];
      process.stdout.write(table.join('\n'));

      expect(report.failed).toBe(0);
      expect(report.acknowledged).toBe(events.length);
      expect(acked.filter((e) => !raw.has(e.id))).toEqual([]);
      expect(lost).toEqual({ calls: 0, messages: 0, contacts: 0 });
      expect(extra).toEqual({ calls: 0, messages: 0, contacts: 0 });
      for (const [service, seconds] of recovery)
        expect([service, seconds * 1000 <= SERVING_AGAIN_WITHIN_MS]).toEqual([service, true]);
    } finally {
      await clients.close();
    }
    expect(await pipeline.stop()).toMatch(
      /^allo-pipeline: services stopped; stack servers stopped: kafka, registry/,
    );
    expect(await portsStillOpen(installation)).toEqual([]);
    pipeline = undefined;
  }, 420_000);
});
