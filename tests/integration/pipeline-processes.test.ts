/**
 * The pipeline as separate processes: two `dvc-index start` at once make one run; a start
 * killed with SIGKILL during collect or during ingest leaves a day that the next start
 * completes, with nothing doubled. Real PostgreSQL, Redis, Chromium and the replay portal.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/domain.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { latestDueReportDate } from '../../src/schedule/due.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis.js';
import {
  type Child,
  countRows,
  dumpSnapshots,
  killChild,
  pipelineConfig,
  pipelineEnv,
  runStatus,
  spawnChild,
  stopChild,
  waitFor,
} from './pipeline/helpers.js';
import { pipelineScenario } from './pipeline/scenario.js';

let db: TestDatabase;
let replay: ReplayPortal;
let slowReplay: ReplayPortal;
let due: string;
const prefixes: string[] = [];
let children: Child[] = [];

/** 5 units × 7 groups × 2 periods (year, month); a null score is a row too. */
const SCORES_PER_DAY = 70;
const CAPTURES_PER_DAY = 16;

beforeAll(async () => {
  db = await createTestDatabase();
  // The children run on the real clock: the scenario covers the week up to the real due day.
  const probe = pipelineConfig({ dbUrl: db.url, prefix: 'x', portalUrl: 'http://127.0.0.1:9' });
  due = latestDueReportDate(new Date(), probe);
  const days = Array.from({ length: 7 }, (_, i) => addDays(due, i - 6));
  replay = await startReplayPortal({ scenario: pipelineScenario(days) }, { port: 0, date: due });
  slowReplay = await startReplayPortal(
    { scenario: pipelineScenario(days) },
    { port: 0, date: due, latencyMs: 500 },
  );
});
afterEach(async () => {
  for (const c of children) await killChild(c);
  children = [];
  await db.pool.query('truncate runs, captures, scores, metrics, units cascade');
});
afterAll(async () => {
  for (const p of prefixes) await deletePrefix(p);
  await replay?.close();
  await slowReplay?.close();
  await db?.drop();
});

function envFor(portalUrl: string) {
  const prefix = uniquePrefix('proc');
  prefixes.push(prefix);
  return pipelineEnv({ dbUrl: db.url, prefix, portalUrl, extra: { CATCH_UP: 'true', LOG_LEVEL: 'info' } });
}

function start(env: Record<string, string>, script: 'cli' | 'crash-test'): Child {
  const args =
    script === 'cli' ? ['bin/dvc-index.js', 'start'] : ['tests/integration/pipeline/start-child.ts'];
  const child = spawnChild(args, env);
  children.push(child);
  return child;
}

async function waitDone(child: Child[], timeoutMs = 90_000): Promise<void> {
  await waitFor(
    `run ${due} done`,
    async () => {
      const s = await runStatus(db.pool, due);
      if (s === 'failed' || s === 'blocked') {
        throw new Error(`run ended ${s}:\n${child.map((c) => c.output().slice(-3000)).join('\n---\n')}`);
      }
      return s === 'done';
    },
    timeoutMs,
  );
}

async function assertDayComplete(): Promise<void> {
  expect(await countRows(db.pool, 'runs')).toBe(1);
  expect(await countRows(db.pool, 'captures')).toBe(CAPTURES_PER_DAY);
  expect(await countRows(db.pool, 'scores')).toBe(SCORES_PER_DAY);
  expect(await countRows(db.pool, 'units')).toBe(5);
  const scoreDays = await db.pool.query(`select distinct report_date::text as d from scores`);
  expect(scoreDays.rows).toEqual([{ d: due }]);
}

describe('separate processes', () => {
  it('two `dvc-index start` at once make one run of the day', async () => {
    const env = envFor(replay.url);
    replay.resetRequests();
    const a = start({ ...env, MIGRATE_ON_START: 'true' }, 'cli');
    const b = start({ ...env, MIGRATE_ON_START: 'true' }, 'cli');
    await waitDone([a, b]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await stopChild(a)).toBe(0);
    expect(await stopChild(b)).toBe(0);
    await assertDayComplete();
    // the portal was asked once per call: one session, 8 calls per period
    const api = replay.requests().filter((r) => r.call !== null && r.call !== 'page' && !r.fromPageScript);
    expect(api).toHaveLength(CAPTURES_PER_DAY);
    const run = await db.pool.query(`select attempts, trigger from runs`);
    expect(run.rows).toEqual([{ attempts: 1, trigger: 'catchup' }]);
  }, 150_000);

  it('kill -9 during collect: the next start completes the day, nothing doubled', async () => {
    const env = envFor(slowReplay.url);
    const a = start(env, 'crash-test');
    await waitFor('some captures stored', async () => (await countRows(db.pool, 'captures')) >= 3, 60_000);
    expect(await runStatus(db.pool, due)).toBe('collecting');
    await killChild(a);
    const b = start(env, 'crash-test');
    await waitDone([a, b]);
    await assertDayComplete();
    const run = await db.pool.query(`select attempts from runs`);
    expect(run.rows[0].attempts).toBe(2);
    expect(await stopChild(b)).toBe(0);
  }, 150_000);

  it('kill -9 during ingest: the transaction never commits, the next start completes the day', async () => {
    const env = envFor(replay.url);
    // Hold the units table so ingest's transaction waits mid-way, then kill its process.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('lock table units in exclusive mode');
      const a = start(env, 'crash-test');
      await waitFor(
        'ingest waiting inside its transaction',
        async () => {
          const r = await db.pool.query(
            `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'
               and query like 'insert into units%'`,
          );
          return (r.rowCount ?? 0) > 0;
        },
        60_000,
      );
      expect(await runStatus(db.pool, due)).toBe('collected');
      await killChild(a);
      await holder.query('commit');
    } finally {
      await holder.end();
    }
    // nothing of the killed ingest is stored
    await waitFor('the killed backend to roll back', async () => {
      const r = await db.pool.query(
        `select 1 from pg_stat_activity where datname = current_database() and query like 'insert into units%' and state <> 'idle'`,
      );
      return r.rowCount === 0;
    });
    expect(await countRows(db.pool, 'scores')).toBe(0);
    const before = await dumpSnapshots(db.pool);
    expect(before.units).toEqual([]);

    const b = start(env, 'crash-test');
    await waitDone([b]);
    await assertDayComplete();
    expect(await stopChild(b)).toBe(0);
  }, 150_000);
});
