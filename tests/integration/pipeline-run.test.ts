/**
 * The pipeline end to end in one process: real PostgreSQL, Redis, Chromium and the replay
 * portal in scenario mode. A run goes collect → ingest → detect → notify; running it again
 * (a duplicate enqueue, a re-ingest, a full re-collect) leaves identical rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../jobs/ingest.js';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Pipeline, startPipeline } from '../../src/main.js';
import { clearFailedJob } from '../../src/queue/queues.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { enqueueCollect } from '../../src/schedule/enqueue-collect.js';
import { getRunByDay } from '../../src/store/runs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis.js';
import { countRows, dumpSnapshots, pipelineConfig, runStatus, waitFor } from './pipeline/helpers.js';
import { PROVINCE_ID, pipelineScenario, UNIT_IDS } from './pipeline/scenario.js';

const DAYS = [
  '2026-11-20',
  '2026-11-21',
  '2026-11-22',
  '2026-11-23',
  '2026-11-24',
  '2026-11-25',
  '2026-11-26',
];
const DAY = '2026-11-24';

let db: TestDatabase;
let replay: ReplayPortal;
let pipeline: Pipeline;
let config: Config;
const prefix = uniquePrefix('pipe');

beforeAll(async () => {
  db = await createTestDatabase();
  replay = await startReplayPortal({ scenario: pipelineScenario(DAYS) }, { port: 0, date: DAY });
  config = pipelineConfig({ dbUrl: db.url, prefix, portalUrl: replay.url });
  pipeline = await startPipeline(config, createLogger(config), {
    scheduler: false,
    http: false,
    now: () => new Date('2026-11-25T05:00:00+07:00'),
  });
});
afterAll(async () => {
  await pipeline?.stop();
  await replay?.close();
  await deletePrefix(prefix);
  await db?.drop();
});

describe('a run end to end', () => {
  it('collects, ingests, detects and notifies one province-day', async () => {
    const { run, jobId } = await enqueueCollect(pipeline.deps, {
      provinceCode: 'H18',
      reportDate: DAY,
      trigger: 'manual',
    });
    expect(jobId).toBe(`collect-H18-${DAY}`);
    await waitFor('run done', async () => {
      const s = await runStatus(db.pool, DAY);
      if (s === 'failed' || s === 'blocked')
        throw new Error(`run ended ${s}: ${JSON.stringify(await getRunByDay(db.pool, 'H18', DAY))}`);
      return s === 'done';
    });
    const done = await getRunByDay(db.pool, 'H18', DAY);
    expect(done).toMatchObject({ id: run.id, status: 'done', attempts: 1, periods: ['year', 'month'] });
    expect(done?.requestCount).toBeGreaterThanOrEqual(16);
    expect(done?.summary).toMatchObject({ ingest: { units: 5, problemCount: 0 } });

    // 8 calls per period, every one stored with its bytes and hash
    const caps = await db.pool.query(
      `select endpoint, period_key, http_status, sha256, length(body) as n from captures`,
    );
    expect(caps.rows).toHaveLength(16);
    expect(new Set(caps.rows.map((r) => r.period_key))).toEqual(new Set(['2026', '2026-M11']));
    for (const c of caps.rows) {
      expect(c.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(Number(c.n)).toBeGreaterThan(0);
    }

    // what the scenario said on that day (year period): the fall to 4.2 and the null MDHL
    const score = async (unit: string, grp: string) =>
      (
        await db.pool.query(
          `select score, max_score from scores where unit_id = $1 and grp = $2 and report_date = $3 and period_type = 'year'`,
          [unit, grp, DAY],
        )
      ).rows[0];
    expect(await score(UNIT_IDS.health, 'TTTT')).toEqual({ score: '4.20', max_score: '10.00' });
    expect(await score(UNIT_IDS.muongPhang, 'MDHL')).toMatchObject({ score: null });
    expect(await score(UNIT_IDS.finance, 'TOTAL')).toEqual({ score: '78.75', max_score: '100.00' });
    const units = await db.pool.query(
      `select kind, count(*)::int as n from units group by kind order by kind`,
    );
    expect(units.rows).toEqual([
      { kind: 'agency', n: 2 },
      { kind: 'commune', n: 2 },
      { kind: 'province', n: 1 },
    ]);
    const nfc = await db.pool.query(`select name from units where id = $1`, [UNIT_IDS.muongPhang]);
    expect(nfc.rows[0].name).toBe('UBND xã Mường Phăng'.normalize('NFC'));
    const prov = await db.pool.query(
      `select rank, rank_of from scores where unit_id = $1 and grp = 'TOTAL' and period_type = 'year'`,
      [PROVINCE_ID],
    );
    expect(prov.rows[0].rank_of).toBe(34);
  });

  it('the same run again leaves identical rows', async () => {
    const before = await dumpSnapshots(db.pool);
    const requestsBefore = replay.requests().length;

    // 1. a duplicate enqueue (second scheduler, restart): no new job, no portal request
    await enqueueCollect(pipeline.deps, { provinceCode: 'H18', reportDate: DAY, trigger: 'schedule' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(replay.requests().length).toBe(requestsBefore);

    // 2. ingest again from the stored captures
    const run = await getRunByDay(db.pool, 'H18', DAY);
    if (!run) throw new Error('no run');
    const again = await ingest({ runId: run.id, provinceCode: 'H18', reportDate: DAY }, pipeline.deps);
    expect(again.changed).toBe(0);
    expect(await dumpSnapshots(db.pool)).toEqual(before);

    // 3. a full re-collect of the day from the portal (an operator retrying it)
    await db.pool.query(`update runs set status = 'failed' where id = $1`, [run.id]);
    for (const q of ['collect', 'ingest', 'detect', 'notify'] as const) {
      const job = await pipeline.deps.queues[q].getJob(`${q}-H18-${DAY}`);
      if (job) await job.remove();
    }
    await enqueueCollect(
      pipeline.deps,
      { provinceCode: 'H18', reportDate: DAY, trigger: 'manual', retryFailed: true },
      (id) => clearFailedJob(pipeline.deps.queues, 'collect', id),
    );
    await waitFor('re-run done', async () => (await runStatus(db.pool, DAY)) === 'done');
    expect(replay.requests().length).toBeGreaterThan(requestsBefore);
    expect(await dumpSnapshots(db.pool)).toEqual(before);
    expect(await countRows(db.pool, 'captures')).toBe(16);
    expect(await countRows(db.pool, 'runs')).toBe(1);
    const unchanged = await db.pool.query(`select bool_and(source_unchanged) as all_same from captures`);
    // same day again: compared with the previous report date (none here), so not "unchanged"
    expect(unchanged.rows[0].all_same).toBe(false);
  });
});
