import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  advanceRun,
  createOrGetRun,
  getRun,
  lastStoredReportDate,
  markCollecting,
  recordGapRuns,
  recordRunError,
  requeueRun,
} from '../../src/store/runs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('runs store', () => {
  it('creates one run per province and report date, also when asked concurrently', async () => {
    const input = {
      provinceCode: 'H18',
      reportDate: '2026-11-01',
      trigger: 'schedule' as const,
      periods: ['year' as const],
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => createOrGetRun(db.pool, input)));
    expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results[0]?.run).toMatchObject({ status: 'queued', reportDate: '2026-11-01', periods: ['year'] });
  });

  it('moves forward along the chain and never backwards', async () => {
    const { run } = await createOrGetRun(db.pool, {
      provinceCode: 'H18',
      reportDate: '2026-11-02',
      trigger: 'manual',
      periods: ['year'],
    });
    await markCollecting(db.pool, run.id);
    expect(
      await advanceRun(db.pool, run.id, 'collected', { requestCount: 9, summary: { captures: 8 } }),
    ).toBe(true);
    expect(await advanceRun(db.pool, run.id, 'ingested', { summary: { ingest: { units: 3 } } })).toBe(true);
    // A retried collect finishing late does not move the run back.
    expect(await advanceRun(db.pool, run.id, 'collected')).toBe(false);
    const cur = await getRun(db.pool, run.id);
    expect(cur).toMatchObject({ status: 'ingested', attempts: 1, requestCount: 9 });
    expect(cur?.summary).toEqual({ captures: 8, ingest: { units: 3 } });
    expect(cur?.collectedAt).toBeInstanceOf(Date);
    expect(await advanceRun(db.pool, run.id, 'done')).toBe(true);
    expect((await getRun(db.pool, run.id))?.finishedAt).toBeInstanceOf(Date);
  });

  it('records errors: transient keeps the status, final ends the run, requeue restarts it', async () => {
    const { run } = await createOrGetRun(db.pool, {
      provinceCode: 'H18',
      reportDate: '2026-11-03',
      trigger: 'manual',
      periods: ['year'],
    });
    await markCollecting(db.pool, run.id);
    await recordRunError(db.pool, run.id, { errorClass: 'PortalUnavailableError', message: '503' }, null);
    expect(await getRun(db.pool, run.id)).toMatchObject({
      status: 'collecting',
      errorClass: 'PortalUnavailableError',
    });
    await recordRunError(db.pool, run.id, { errorClass: 'PortalBlockedError', message: '403' }, 'blocked', 2);
    expect(await getRun(db.pool, run.id)).toMatchObject({ status: 'blocked', requestCount: 2 });
    await requeueRun(db.pool, run.id);
    expect(await getRun(db.pool, run.id)).toMatchObject({ status: 'queued', errorClass: null });
  });

  it('records gaps only for days without a run, and a gap day can be collected later', async () => {
    const gaps = await recordGapRuns(db.pool, 'H18', ['2026-11-02', '2026-11-04', '2026-11-05']);
    expect(gaps).toEqual(['2026-11-04', '2026-11-05']);
    const { run, created } = await createOrGetRun(db.pool, {
      provinceCode: 'H18',
      reportDate: '2026-11-04',
      trigger: 'manual',
      periods: ['year'],
    });
    expect(created).toBe(false);
    expect(run).toMatchObject({ status: 'queued', trigger: 'manual' });
    expect((await getRun(db.pool, run.id))?.status).toBe('queued');
    const gap5 = await createOrGetRun(db.pool, {
      provinceCode: 'H19',
      reportDate: '2026-11-05',
      trigger: 'manual',
      periods: [],
    });
    expect(gap5.created).toBe(true);
  });

  it('knows the last stored report date', async () => {
    expect(await lastStoredReportDate(db.pool, 'H18')).toBe('2026-11-02');
    expect(await lastStoredReportDate(db.pool, 'H01')).toBeNull();
  });
});
