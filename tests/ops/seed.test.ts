/**
 * `dvc-index seed` (the try stack's history): against a replay portal anchored to the latest
 * due report date, it stores every earlier scenario day through the real pipeline (real
 * PostgreSQL, Redis, SMTP catcher), leaves the due day to the worker, sends the digests, and
 * a second run changes nothing. It never runs against the real portal or a recordings portal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { runSeed } from '../../src/ops/seed.js';
import { type SmtpCatcher, startSmtpCatcher } from '../../src/ops/smtp-catcher.js';
import { anchorScenario } from '../../src/replay/anchor.js';
import { DEMO_SCENARIO_PATH } from '../../src/replay/demo-scenario.js';
import { loadScenario } from '../../src/replay/scenario.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { recordGapRuns } from '../../src/store/runs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { RECORDINGS_DIR } from '../helpers/recordings.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';

// 2027-01-06 05:00 in Hanoi: the latest due report date is 2027-01-05.
const NOW = new Date('2027-01-05T22:00:00Z');
let db: TestDatabase;
let portal: ReplayPortal;
let catcher: SmtpCatcher;
let outboxDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const s = await loadScenario(DEMO_SCENARIO_PATH);
  portal = await startReplayPortal({ scenario: anchorScenario(s, '2027-01-05').scenario });
  outboxDir = mkdtempSync(path.join(tmpdir(), 'dvc-seed-test-'));
  catcher = await startSmtpCatcher({ dir: outboxDir });
});
afterAll(async () => {
  await portal?.close();
  await catcher?.close();
  await db?.drop();
  if (outboxDir) rmSync(outboxDir, { recursive: true, force: true });
});

function env(over: Record<string, string> = {}) {
  return testEnv({
    DATABASE_URL: db.url,
    PORTAL_BASE_URL: portal.url,
    SMTP_URL: catcher.url,
    ALERT_TO: 'so-tttt@dienbien.example.gov.vn',
    PROVINCES: 'H18',
    LOG_LEVEL: 'error',
    ...over,
  });
}

const sink = () => {
  let text = '';
  const write = (s: string): boolean => {
    text += s;
    return true;
  };
  return { out: { write }, text: () => text };
};

describe('dvc-index seed', () => {
  it('stores every scenario day before the latest due one through the pipeline, with its digests', async () => {
    // The worker's catch-up, started beside the seed, may record days as gaps: they are filled.
    await recordGapRuns(db.pool, 'H18', ['2026-12-20', '2026-12-21']);
    const o = sink();
    const res = await runSeed(env(), { now: NOW }, o.out);
    expect(res.latestDue).toBe('2027-01-05');
    expect(res.planned).toHaveLength(19);
    expect(res.planned[0]).toBe('2026-12-17');
    expect(res.planned.at(-1)).toBe('2027-01-04');
    expect(res.skipped).toEqual([]);
    expect(res.days.map((d) => d.run.status)).toEqual(Array(19).fill('done'));

    const runs = await db.pool.query<{ d: string; trigger: string; status: string }>(
      `select to_char(report_date, 'YYYY-MM-DD') as d, trigger, status from runs order by report_date`,
    );
    expect(runs.rows.map((r) => r.d)).toEqual(res.planned);
    expect(new Set(runs.rows.map((r) => `${r.trigger}/${r.status}`))).toEqual(new Set(['demo/done']));
    // Every day has the province and its 59 units; the story moved with the calendar:
    // Sở Y tế's TTTT fell to 3.2 on the 7th scenario day (11-07 → 12-23).
    const units = await db.pool.query<{ d: string; n: string }>(
      `select to_char(report_date, 'YYYY-MM-DD') as d, count(*) as n from scores
        where grp = 'TOTAL' and period_type = 'year' group by report_date order by report_date`,
    );
    expect(units.rows.map((r) => Number(r.n))).toEqual(Array(19).fill(60));
    const so = await db.pool.query<{ score: string }>(
      `select s.score::text as score from scores s join units u on u.id = s.unit_id
        where u.code = 'H18.02' and s.grp = 'TTTT' and s.period_type = 'year' and s.report_date = '2026-12-23'`,
    );
    expect(so.rows[0]?.score).toBe('3.20');
    // Falls were found and mailed, once per day at most, every mail caught.
    const alerts = await db.pool.query<{ n: string }>(
      `select count(*) as n from alerts where grp = 'TTTT' and unit_id = (select id from units where code = 'H18.02')`,
    );
    expect(Number(alerts.rows[0]?.n)).toBeGreaterThanOrEqual(1);
    const mails = res.days.reduce((a, d) => a + d.mails, 0);
    expect(mails).toBeGreaterThanOrEqual(1);
    expect(catcher.mails).toHaveLength(mails);
    const outbox = await db.pool.query<{ kind: string; state: string; n: string }>(
      `select kind, state, count(*) as n from outbox group by kind, state`,
    );
    expect(outbox.rows).toEqual([{ kind: 'digest', state: 'sent', n: String(mails) }]);
    expect(o.text()).toContain('19 to store, 0 already known');
    expect(o.text()).toContain('before the latest due 2027-01-05, which the worker collects');
    // Its private queue is gone from Redis.
    const prefix = /queue prefix (dvc-seed-[0-9a-f]{8})/.exec(o.text())?.[1];
    expect(prefix).toBeDefined();
    const r = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    try {
      await r.connect();
      expect(await r.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      r.disconnect();
    }
  }, 180_000);

  it('a second run stores nothing and changes nothing (days with a run are left as they are)', async () => {
    const count = async () =>
      (
        await db.pool.query<{ runs: string; scores: string; mails: string }>(
          `select (select count(*) from runs) as runs, (select count(*) from scores) as scores,
                  (select count(*) from outbox) as mails`,
        )
      ).rows[0];
    const before = await count();
    const caught = catcher.mails.length;
    const o = sink();
    const res = await runSeed(env(), { now: NOW }, o.out);
    expect(res.days).toEqual([]);
    expect(res.skipped).toHaveLength(19);
    expect(await count()).toEqual(before);
    expect(catcher.mails).toHaveLength(caught);
    expect(o.text()).toContain('0 to store, 19 already known');
  }, 60_000);

  it('refuses the real portal, a portal without a scenario, an unreachable one and an unwatched province', async () => {
    const refused = async (over: Record<string, string>) =>
      runSeed(env(over), { now: NOW }, sink().out).then(
        () => null,
        (e: unknown) => e,
      );
    const real = await refused({ PORTAL_BASE_URL: 'https://dichvucong.gov.vn' });
    expect(real).toBeInstanceOf(InputError);
    expect((real as InputError).field).toBe('PORTAL_BASE_URL');
    expect(String(real)).toContain('is the real portal');

    const rec = await startReplayPortal({ recordingsDir: RECORDINGS_DIR });
    try {
      const e = await refused({ PORTAL_BASE_URL: rec.url });
      expect(e).toBeInstanceOf(InputError);
      expect(String(e)).toMatch(/PORTAL_BASE_URL: .*answered 404, not a scenario/);
    } finally {
      await rec.close();
    }
    const down = await refused({ PORTAL_BASE_URL: 'http://127.0.0.1:9' });
    expect((down as InputError).field).toBe('PORTAL_BASE_URL');
    const other = await refused({ PROVINCES: 'H01' });
    expect((other as InputError).field).toBe('PROVINCES');
    // Nothing was stored by the refused runs.
    const runs = await db.pool.query<{ n: string }>(`select count(*) as n from runs`);
    expect(Number(runs.rows[0]?.n)).toBe(19);
  }, 60_000);
});
