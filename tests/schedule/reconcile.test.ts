/**
 * The reconcile against the real pipeline: PostgreSQL, Redis, Chromium and the replay portal
 * (which counts every request). The clock is injected; the reconcile is called directly so
 * each case sees exactly one pass (the periodic timer is covered by the Redis-down test).
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../jobs/collect.js';
import type { Config } from '../../src/config.js';
import { closeDeps, createDeps, type ProcessDeps } from '../../src/deps.js';
import { addDays } from '../../src/domain.js';
import { createLogger } from '../../src/logger.js';
import { type Pipeline, startPipeline } from '../../src/main.js';
import { jobIdFor } from '../../src/queue/payloads.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { reconcile } from '../../src/schedule/reconcile.js';
import { startScheduler } from '../../src/schedule/scheduler.js';
import { closeCircuit, openCircuit, portalHost } from '../../src/store/circuit.js';
import { createOrGetRun, markCollecting } from '../../src/store/runs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { pipelineConfig, waitFor } from '../integration/pipeline/helpers.js';
import { pipelineScenario } from '../integration/pipeline/scenario.js';

const DAYS = [
  '2026-11-20',
  '2026-11-21',
  '2026-11-22',
  '2026-11-23',
  '2026-11-24',
  '2026-11-25',
  '2026-11-26',
];

let db: TestDatabase;
let replay: ReplayPortal;
let config: Config;
let pipeline: Pipeline;
let clock = new Date('2026-11-22T12:00:00+07:00'); // latest due: 2026-11-21
const prefix = uniquePrefix('reconcile');

beforeAll(async () => {
  db = await createTestDatabase();
  replay = await startReplayPortal({ scenario: pipelineScenario(DAYS) }, { port: 0 });
  config = pipelineConfig({ dbUrl: db.url, prefix, portalUrl: replay.url, extra: { PERIODS: 'year' } });
  pipeline = await startPipeline(config, createLogger(config), {
    scheduler: false,
    http: false,
    now: () => clock,
  });
});
afterAll(async () => {
  await pipeline?.stop();
  await replay?.close();
  await deletePrefix(prefix);
  await db?.drop();
});

const setDay = (reportDate: string) => {
  clock = new Date(`${addDays(reportDate, 1)}T12:00:00+07:00`);
  replay.setDate(reportDate);
};

async function runs() {
  return (
    await db.pool.query<{ d: string; status: string; error_class: string | null }>(
      `select report_date::text as d, status, error_class from runs order by report_date`,
    )
  ).rows;
}
const statusOf = async (d: string) => (await runs()).find((r) => r.d === d)?.status ?? null;
/** The day's run is done and none of its stage jobs is still waiting or running. */
const doneSoon = (d: string) =>
  waitFor(`${d} done`, async () => {
    if ((await statusOf(d)) !== 'done') return false;
    for (const q of ['collect', 'ingest', 'detect', 'notify'] as const) {
      const state = await pipeline.deps.queues[q].getJobState(jobIdFor(q, 'H18', d));
      if (!['completed', 'failed', 'unknown'].includes(state)) return false;
    }
    return true;
  });

/** Everything the reconcile could change: runs, its own rows, and the stage jobs' states. */
async function snapshot(deps: ProcessDeps) {
  const jobs: Record<string, string> = {};
  for (const r of await runs())
    for (const q of ['collect', 'ingest', 'detect', 'notify'] as const)
      jobs[`${q}-${r.d}`] = await deps.queues[q].getJobState(jobIdFor(q, 'H18', r.d));
  const actions = await db.pool.query('select count(*)::int as n from reconcile_actions');
  return { runs: await runs(), jobs, actions: actions.rows[0].n };
}

describe('reconcile', () => {
  it('enqueues the latest due day that has no run; a second reconcile changes nothing', async () => {
    setDay('2026-11-21');
    const r = await reconcile(pipeline.deps);
    expect(r.actions.map((a) => [a.action, a.reportDate])).toEqual([['enqueue', '2026-11-21']]);
    await doneSoon('2026-11-21');

    const before = await snapshot(pipeline.deps);
    const requests = replay.requests().length;
    const again = await reconcile(pipeline.deps);
    expect(again.actions).toEqual([]);
    expect(await snapshot(pipeline.deps)).toEqual(before);
    expect(replay.requests().length).toBe(requests);
  });

  it('resumes stuck runs from their stored answers without asking the portal again', async () => {
    // Day 22 collected, then its ingest job lost (Redis lost it): the run stays `collected`.
    setDay('2026-11-22');
    const lostEnqueue = { ...pipeline.deps, enqueue: async () => undefined };
    await collect(
      { provinceCode: 'H18', reportDate: '2026-11-22', periods: ['year'], trigger: 'schedule' },
      lostEnqueue,
    );
    // Day 23 collected, then the worker died before it said so: the run stays `collecting`,
    // and by now day 23 is no longer the latest due day (the portal serves day 24).
    setDay('2026-11-23');
    await collect(
      { provinceCode: 'H18', reportDate: '2026-11-23', periods: ['year'], trigger: 'schedule' },
      lostEnqueue,
    );
    await db.pool.query(`update runs set status = 'collecting' where report_date = '2026-11-23'`);
    expect(await statusOf('2026-11-22')).toBe('collected');
    expect(await statusOf('2026-11-23')).toBe('collecting');
    // The clock moves to day 24 with the circuit open: nothing is fetched, the stuck runs are healed.
    setDay('2026-11-24');
    const host = portalHost(config.portalBaseUrl);
    await openCircuit(db.pool, host, { reason: 'test: blocked' });
    const requests = replay.requests().length;
    const r = await reconcile(pipeline.deps);
    expect(r.heldByCircuit).toEqual(['H18']);
    // Day 23's answers are fresh: a collect may still be running somewhere (Redis lost its
    // job), so it is left alone for now.
    expect(r.actions.map((a) => [a.action, a.reportDate])).toEqual([['resume-ingest', '2026-11-22']]);
    await doneSoon('2026-11-22');
    expect(await statusOf('2026-11-23')).toBe('collecting');

    // The worker died an hour ago: day 23 is stuck, its stored answers are ingested.
    await db.pool.query(
      `update captures set captured_at = captured_at - interval '1 hour' where run_id = (select id from runs where report_date = '2026-11-23')`,
    );
    await db.pool.query(
      `update runs set started_at = started_at - interval '1 hour' where report_date = '2026-11-23'`,
    );
    const r2 = await reconcile(pipeline.deps);
    expect(r2.actions.map((a) => [a.action, a.reportDate])).toEqual([['resume-ingest', '2026-11-23']]);
    await doneSoon('2026-11-23');
    expect(replay.requests().length).toBe(requests);
    const scores = await db.pool.query<{ d: string }>(
      `select distinct report_date::text as d from scores order by 1`,
    );
    expect(scores.rows.map((x) => x.d)).toEqual(['2026-11-21', '2026-11-22', '2026-11-23']);
    // open circuit: the latest due day has no run and no job
    expect(await statusOf('2026-11-24')).toBeNull();
    expect(await pipeline.deps.queues.collect.getJobState(jobIdFor('collect', 'H18', '2026-11-24'))).toBe(
      'unknown',
    );
    const held = await snapshot(pipeline.deps);
    expect((await reconcile(pipeline.deps)).actions).toEqual([]);
    expect(await snapshot(pipeline.deps)).toEqual(held);

    // The operator closes the circuit: the next reconcile enqueues the day.
    await closeCircuit(db.pool, host, { reason: 'test', by: 'test' });
    const after = await reconcile(pipeline.deps);
    expect(after.actions.map((a) => [a.action, a.reportDate])).toEqual([['enqueue', '2026-11-24']]);
    await doneSoon('2026-11-24');
  });

  it('tries a failed latest day again only when a retry can fix its error, and records gaps', async () => {
    // Skip day 25 entirely: on day 27 the latest due day is 26; 25 is a gap. Day 26 failed
    // on a transient error (all attempts spent while the portal was down).
    clock = new Date('2026-11-27T12:00:00+07:00');
    replay.setDate('2026-11-26');
    const { run } = await createOrGetRun(db.pool, {
      provinceCode: 'H18',
      reportDate: '2026-11-26',
      trigger: 'schedule',
      periods: ['year'],
    });
    await db.pool.query(
      `update runs set status = 'failed', error_class = 'PortalUnavailableError', error_message = '503', finished_at = now() where id = $1`,
      [run.id],
    );
    const r = await reconcile(pipeline.deps);
    expect(r.actions.map((a) => [a.action, a.reportDate])).toEqual([
      ['retry', '2026-11-26'],
      ['gap', '2026-11-25'],
    ]);
    await doneSoon('2026-11-26');

    // A setup error (no Chromium) is left to a person: no retry, however often we reconcile.
    await db.pool.query(
      `update runs set status = 'failed', error_class = 'SetupError', error_message = 'Chromium not found' where id = $1`,
      [run.id],
    );
    const before = await snapshot(pipeline.deps);
    expect((await reconcile(pipeline.deps)).actions).toEqual([]);
    expect((await reconcile(pipeline.deps)).actions).toEqual([]);
    expect(await snapshot(pipeline.deps)).toEqual(before);

    // /metrics counts every action the reconcile took.
    const { createMetricsRegistry } = await import('../../src/http/routes/metrics.js');
    const text = await createMetricsRegistry({ pool: db.pool, queuePrefix: prefix }).metrics();
    expect(text).toContain('dvc_reconcile_actions_total{action="enqueue"} 2');
    expect(text).toContain('dvc_reconcile_actions_total{action="resume-ingest"} 2');
    expect(text).toContain('dvc_reconcile_actions_total{action="retry"} 1');
    expect(text).toContain('dvc_reconcile_actions_total{action="gap"} 1');
    expect(text).toContain('dvc_reconcile_actions_total{action="fail-stalled"} 0');
  });
});

describe('the periodic reconcile of start', () => {
  it('runs every RECONCILE_EVERY by itself and heals a day no tick enqueued', async () => {
    setDay('2026-11-27');
    const scheduler = await startScheduler({
      ...pipeline.deps,
      config: { ...config, reconcileEveryMs: 1000, catchUp: false, alertNoDataBy: '' },
    });
    try {
      await doneSoon('2026-11-27');
    } finally {
      await scheduler.stop();
    }
    const actions = await db.pool.query<{ action: string }>(
      `select action from reconcile_actions where report_date = '2026-11-27'`,
    );
    expect(actions.rows.map((a) => a.action)).toEqual(['enqueue']);
  });
});

describe('a day the portal refused', () => {
  it('is held while the circuit is open and collected once the operator closes it', async () => {
    setDay('2026-11-28');
    const { run } = await createOrGetRun(db.pool, {
      provinceCode: 'H18',
      reportDate: '2026-11-28',
      trigger: 'schedule',
      periods: ['year'],
    });
    const host = portalHost(config.portalBaseUrl);
    await openCircuit(db.pool, host, { reason: 'test: http-403' });
    await db.pool.query(
      `update runs set status = 'blocked', error_class = 'PortalBlockedError', error_message = '403', finished_at = now() where id = $1`,
      [run.id],
    );
    const requests = replay.requests().length;
    const held = await snapshot(pipeline.deps);
    const r = await reconcile(pipeline.deps);
    expect(r.actions).toEqual([]);
    expect(r.heldByCircuit).toEqual(['H18']);
    expect(await snapshot(pipeline.deps)).toEqual(held);
    expect(replay.requests().length).toBe(requests);

    await closeCircuit(db.pool, host, { reason: 'WAF cleared', by: 'test' });
    const after = await reconcile(pipeline.deps);
    expect(after.actions.map((a) => [a.action, a.reportDate])).toEqual([['retry', '2026-11-28']]);
    await doneSoon('2026-11-28');
    const settled = await snapshot(pipeline.deps);
    expect((await reconcile(pipeline.deps)).actions).toEqual([]);
    expect(await snapshot(pipeline.deps)).toEqual(settled);
  });
});

describe('reconcile of a job BullMQ failed for stalling', () => {
  let db2: TestDatabase;
  let deps: ProcessDeps;
  const prefix2 = uniquePrefix('reconcile-stall');
  beforeAll(async () => {
    db2 = await createTestDatabase();
    const c2 = pipelineConfig({ dbUrl: db2.url, prefix: prefix2, portalUrl: 'http://127.0.0.1:9' });
    deps = createDeps(c2, createLogger(c2), { now: () => new Date('2026-11-27T12:00:00+07:00') });
  });
  afterAll(async () => {
    await closeDeps(deps);
    await deletePrefix(prefix2);
    await db2?.drop();
  });

  it('marks the run failed with the reason, once', async () => {
    const day = '2026-11-26';
    const { run } = await createOrGetRun(deps.pool, {
      provinceCode: 'H18',
      reportDate: day,
      trigger: 'schedule',
      periods: ['year'],
    });
    await deps.enqueue(
      'collect',
      { provinceCode: 'H18', reportDate: day, periods: ['year'], trigger: 'schedule' },
      jobIdFor('collect', 'H18', day),
    );
    // A worker takes the job and dies (nothing renews its lock), again and again; the stalled
    // check of another worker hands it back each time and, past the stall limit, marks it to
    // be failed: the next worker to take it fails it without running the processor, as
    // BullMQ does. The run still says `collecting`.
    const jobId = jobIdFor('collect', 'H18', day);
    const c2 = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    let processorRan = false;
    const next = new Worker(
      'collect',
      async () => {
        processorRan = true;
      },
      { connection: c2, prefix: prefix2, autorun: false, stalledInterval: 200, maxStalledCount: 1 },
    );
    try {
      await next.startStalledCheckTimer();
      for (let death = 1; death <= 5; death++) {
        const c1 = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
        const dying = new Worker('collect', null, { connection: c1, prefix: prefix2, lockDuration: 300 });
        const job = await dying.getNextJob(`dying-${death}`);
        expect(job?.id).toBe(jobId);
        await markCollecting(deps.pool, run.id);
        await dying.close(true);
        c1.disconnect();
        await waitFor(
          'the stalled job handed back',
          async () => (await deps.queues.collect.getJobState(jobId)) === 'waiting',
          10_000,
          50,
        );
        if ((await deps.queues.collect.getJob(jobId))?.deferredFailure) break;
      }
      void next.run();
      await waitFor(
        'the job failed by its stall limit',
        async () => (await deps.queues.collect.getJobState(jobId)) === 'failed',
        10_000,
        50,
      );
    } finally {
      await next.close(true);
      c2.disconnect();
    }
    expect(processorRan).toBe(false);
    expect(await deps.queues.collect.getJobState(jobId)).toBe('failed');
    expect((await deps.pool.query(`select status from runs where id = $1`, [run.id])).rows[0].status).toBe(
      'collecting',
    );

    const r = await reconcile(deps);
    expect(r.actions.map((a) => a.action)).toEqual(['fail-stalled']);
    const row = (
      await deps.pool.query(`select status, error_class, error_message from runs where id = $1`, [run.id])
    ).rows[0];
    expect(row.status).toBe('failed');
    expect(row.error_class).toBe('JobStalledError');
    expect(row.error_message).toMatch(/stalled more than allowable limit/);
    // A job that kills its worker is not tried again: a second reconcile changes nothing.
    expect((await reconcile(deps)).actions).toEqual([]);
    expect((await deps.pool.query(`select status from runs where id = $1`, [run.id])).rows[0].status).toBe(
      'failed',
    );
  });
});
