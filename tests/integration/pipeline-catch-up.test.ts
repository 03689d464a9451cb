/**
 * Catch-up after downtime: runs finished up to day X, the process starts again at X+4 (after
 * the daily tick). The latest due day is collected; the days in between are recorded as gaps
 * with no scores (nothing invented).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Pipeline, startPipeline } from '../../src/main.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis.js';
import { pipelineConfig, waitFor } from './pipeline/helpers.js';
import { pipelineScenario } from './pipeline/scenario.js';

const DAYS = [
  '2026-11-20',
  '2026-11-21',
  '2026-11-22',
  '2026-11-23',
  '2026-11-24',
  '2026-11-25',
  '2026-11-26',
];
const X = '2026-11-21';
const X4 = '2026-11-25';

let db: TestDatabase;
let replay: ReplayPortal;
let config: Config;
const prefix = uniquePrefix('catchup');
const running: Pipeline[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  replay = await startReplayPortal({ scenario: pipelineScenario(DAYS) }, { port: 0 });
  config = pipelineConfig({
    dbUrl: db.url,
    prefix,
    portalUrl: replay.url,
    extra: { CATCH_UP: 'true', CRON_SCHEDULE: '30 4 * * *', PERIODS: 'year' },
  });
});
afterAll(async () => {
  for (const p of running) await p.stop();
  await replay?.close();
  await deletePrefix(prefix);
  await db?.drop();
});

/** Start the process as if the clock said `localTime` (Asia/Ho_Chi_Minh) and let catch-up run. */
async function bootAt(localTime: string): Promise<Pipeline> {
  const now = new Date(`${localTime}+07:00`);
  const p = await startPipeline(config, createLogger(config), { http: false, now: () => now });
  running.push(p);
  return p;
}

async function runs() {
  return (
    await db.pool.query<{ d: string; status: string; trigger: string }>(
      `select report_date::text as d, status, trigger from runs order by report_date`,
    )
  ).rows;
}

describe('catch-up', () => {
  it('fills the latest due day and records the skipped days as gaps', async () => {
    // Day X: the process runs on X+1 after 04:30 and catches X up.
    replay.setDate(X);
    const first = await bootAt('2026-11-22T05:00:00');
    await waitFor('day X done', async () => (await runs()).find((r) => r.d === X && r.status === 'done'));
    await first.stop();
    expect(await runs()).toEqual([{ d: X, status: 'done', trigger: 'catchup' }]);

    // Down for four days; back on X+5 at 03:00, before the tick: the latest due day is X+4.
    replay.setDate(X4);
    await bootAt('2026-11-27T03:00:00');
    await waitFor('day X+4 done', async () => (await runs()).find((r) => r.d === X4 && r.status === 'done'));
    expect(await runs()).toEqual([
      { d: X, status: 'done', trigger: 'catchup' },
      { d: '2026-11-22', status: 'gap', trigger: 'gap' },
      { d: '2026-11-23', status: 'gap', trigger: 'gap' },
      { d: '2026-11-24', status: 'gap', trigger: 'gap' },
      { d: X4, status: 'done', trigger: 'catchup' },
    ]);
    // gaps hold nothing: scores exist only for the two collected days
    const dates = await db.pool.query(`select distinct report_date::text as d from scores order by 1`);
    expect(dates.rows.map((r) => r.d)).toEqual([X, X4]);
    const gapCaptures = await db.pool.query(
      `select count(*)::int as n from captures c join runs r on r.id = c.run_id where r.status = 'gap'`,
    );
    expect(gapCaptures.rows[0].n).toBe(0);
  });

  it('a second boot the same day changes nothing', async () => {
    const before = await runs();
    const requests = replay.requests().length;
    const again = await bootAt('2026-11-27T03:10:00');
    await new Promise((r) => setTimeout(r, 1500));
    await again.stop();
    expect(await runs()).toEqual(before);
    expect(replay.requests().length).toBe(requests);
  });
});
