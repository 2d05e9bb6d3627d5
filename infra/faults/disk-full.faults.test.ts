import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { stackDown, stackUp } from '@allo-pipeline/infra';
import { readStackEnv } from '@allo-pipeline/testing';
import { waitUntil } from '../src/process-control.js';
import { privateEnv } from '../test/private-stack.js';
import { FaultPipeline } from './harness/fault-pipeline.js';
import { CLEAN_VERDICT, finishScenario, firstAckAfter, secondsBetween, verdict } from './harness/scenario.js';
import { probeEvents, smallHistory, startStatusProbe, startTraffic } from './harness/traffic.js';

// Scenario 7: Kafka's log dir full. A private single-broker Kafka (free ports, a state folder of
// its own) keeps its log on a 64 MiB tmpfs made by the test; the registry and Postgres are the
// suite's. The disk is filled under load: the broker cannot append, so the gateway must answer
// 503 and acknowledge nothing. Then the disk is freed and the broker started again if it
// stopped (Kafka takes a log dir offline on an I/O error, and with its only one it halts).
// Mounting needs root: otherwise the scenario is skipped, saying why.
const IS_ROOT = process.getuid?.() === 0;
const FULL_FOR_MS = 12_000;

if (!IS_ROOT) {
  process.stdout.write('fault scenario disk-full skipped: mounting a tmpfs for the Kafka log needs root\n');
}

describe('fault: a full disk under Kafka', () => {
  const stateDir = mkdtempSync('/var/tmp/allo-faults-disk-');
  const dataDir = join(stateDir, 'kafka', 'data');
  let env: NodeJS.ProcessEnv = {};
  let mounted = false;
  let pipeline: FaultPipeline | undefined;
  afterAll(async () => {
    await pipeline?.dispose();
    await stackDown({ stateDir, env, services: ['kafka'] }).catch(() => undefined);
    // The broker's JVM can hold its log files a moment after stackDown (umount: target is
    // busy, seen on CI, which left the tmpfs mounted): retry until it lets go.
    if (mounted) mounted = !(await waitUntil(() => Promise.resolve(unmounted(dataDir)), 30_000, 250));
    // FAULTS_KEEP_STATE=1 keeps the broker's log and data for a look after a failure.
    if (process.env.FAULTS_KEEP_STATE === '1') return;
    if (!mounted) rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  (IS_ROOT ? it : it.skip)(
    'answers 503 while Kafka cannot write, never 2xx, and recovers',
    async () => {
      const startedAt = Date.now();
      chmodSync(stateDir, 0o755);
      mkdirSync(dataDir, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dataDir]);
      mounted = true;
      env = await privateEnv();
      await stackUp({ stateDir, env, services: ['kafka'] });
      const suite = readStackEnv();
      pipeline = await FaultPipeline.create({
        scenario: 'disk-full',
        stack: { ...suite, KAFKA_BROKERS: `127.0.0.1:${env.KAFKA_PORT}` },
      });
      await pipeline.start();
      const traffic = startTraffic(pipeline.webhookUrl(), pipeline.secret, smallHistory(707, 1.2), {
        ratePerSecond: 50,
        seed: 707,
      });
      const probe = startStatusProbe(pipeline.webhookUrl(), pipeline.secret, probeEvents(717, 300), {
        pauseMs: 100,
      });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(traffic.finished).toBe(false);

      const filler = join(dataDir, 'filler');
      const fillAt = Date.now();
      // dd stops with "No space left on device" once the tmpfs is full.
      spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M'], { stdio: 'ignore' });
      const fullAt = Date.now();
      const free = Number(execFileSync('df', ['--output=avail', '-B1', dataDir]).toString().split('\n')[1]);
      await new Promise((resolve) => setTimeout(resolve, FULL_FOR_MS));
      const freeAt = Date.now();
      rmSync(filler);
      const kafkaRanOut = !(await brokerAnswers(pipeline));
      // A broker that took its only log dir offline has stopped: start it again on the freed disk.
      if (kafkaRanOut) await stackUp({ stateDir, env, services: ['kafka'] });
      const backAt = Date.now();
      await pipeline.gateways[0]!.waitReady(90_000);

      // Answers given while the disk was full (a record appended just before it filled may be
      // acknowledged a moment later).
      const whileFull = probe.attempts.filter((a) => a.endedAt >= fullAt + 1_000 && a.endedAt <= freeAt);
      const statuses = [...new Set(whileFull.map((a) => a.status))];
      const ackedWhileFull = [...traffic.ackedAt.values()].filter(
        (at) => at > fullAt + 1_000 && at < freeAt,
      ).length;
      const result = await finishScenario(pipeline, traffic, {
        startedAt,
        probe,
        recoverSeconds: secondsBetween(freeAt, firstAckAfter(traffic, backAt)),
        note: `disk full ${((freeAt - fillAt) / 1000).toFixed(1)} s (${free} B free); ${whileFull.length} probe answers meanwhile: ${statuses.join(',')}; broker ${kafkaRanOut ? 'halted, restarted' : 'kept running'}`,
      });

      expect(free).toBeLessThan(1024 * 1024);
      expect(whileFull.length).toBeGreaterThanOrEqual(2);
      expect(statuses.filter((status) => status >= 200 && status < 300)).toEqual([]);
      expect(statuses.filter((status) => status !== 503 && status !== 0)).toEqual([]);
      expect(ackedWhileFull).toBe(0);
      expect(verdict(result)).toEqual(CLEAN_VERDICT);
    },
    300_000,
  );
});

/** Unmounts `dir`; true once it is no longer a mount point. */
function unmounted(dir: string): boolean {
  return spawnSync('umount', [dir]).status === 0 || !isMounted(dir);
}

function isMounted(dir: string): boolean {
  return existsSync('/proc/mounts') && execFileSync('cat', ['/proc/mounts']).toString().includes(` ${dir} `);
}

async function brokerAnswers(pipeline: FaultPipeline): Promise<boolean> {
  const admin = pipeline.kafka().admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.fetchTopicOffsets(pipeline.rawTopic);
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
