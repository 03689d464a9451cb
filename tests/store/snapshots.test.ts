import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Period } from '../../src/domain.js';
import type { ProvinceDay } from '../../src/source/types.js';
import { storeProvinceDay } from '../../src/store/snapshots.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const PROV = '019d2be3-6a85-74ec-a341-16615c474af4';
const AG = '00000000-0000-4000-8000-000000000001';
const CO = '00000000-0000-4000-8000-000000000100';
const YEAR: Period = { type: 'year', year: 2026, number: 0 };

function day(reportDate: string, over: Partial<ProvinceDay> = {}): ProvinceDay {
  return {
    provinceId: PROV,
    provinceCode: 'H18',
    reportDate,
    period: YEAR,
    units: [
      { id: PROV, code: 'H18', name: 'UBND tỉnh Điện Biên', kind: 'province', parentId: null },
      { id: AG, code: 'H18.01', name: 'Sở Y tế - tỉnh Điện Biên', kind: 'agency', parentId: PROV },
      // NFD on the wire: stored NFC.
      { id: CO, code: null, name: 'UBND xã Mường Phăng'.normalize('NFD'), kind: 'commune', parentId: PROV },
    ],
    scores: [
      { unitId: PROV, group: 'TOTAL', score: 81.25, maxScore: 100, rank: 7, rankOf: 34, flags: [] },
      {
        unitId: AG,
        group: 'TTTT',
        score: 7.1,
        maxScore: 10,
        rank: null,
        rankOf: null,
        flags: ['TEMP_X', 'B'],
      },
      { unitId: CO, group: 'MDHL', score: null, maxScore: 18, rank: null, rankOf: null, flags: [] },
      // a unit the day does not know: not stored, counted
      {
        unitId: '00000000-0000-4000-8000-00000000dead',
        group: 'TTTT',
        score: 1,
        maxScore: 10,
        rank: null,
        rankOf: null,
        flags: [],
      },
    ],
    metrics: [
      {
        unitId: AG,
        group: 'TTTT',
        code: 'ONLINE_PAYMENT_DOSSIERS',
        name: 'Hồ sơ thanh toán trực tuyến',
        numerator: 710,
        denominator: 1000,
        ratio: 71,
        score: 7.1,
        maxScore: 10,
        qualityStatus: null,
        qualityMessage: null,
      },
    ],
    problems: [],
    ...over,
  };
}

async function dump() {
  const q = async (sql: string) => (await db.pool.query(sql)).rows;
  return {
    units: await q(
      'select id, code, name, name_key, kind, province_id, first_seen::text, last_seen::text, updated_at from units order by id',
    ),
    scores: await q('select * from scores order by unit_id, grp, report_date'),
    metrics: await q('select * from metrics order by unit_id, grp, code, report_date'),
  };
}

describe('upsertProvinceDay', () => {
  it('stores units, scores and metrics; null stays null; flags and NFC kept', async () => {
    const res = await storeProvinceDay(db.pool, null, day('2026-11-01'));
    expect(res).toMatchObject({ periodKey: '2026', units: 3, scores: 3, metrics: 1, skipped: 1 });
    expect(res.changed).toEqual({ units: 3, scores: 3, metrics: 1 });
    const d = await dump();
    const commune = d.units.find((u) => u.id === CO);
    expect(commune).toMatchObject({
      name: 'UBND xã Mường Phăng',
      name_key: 'ubnd xa muong phang',
      code: null,
    });
    const mdhl = d.scores.find((s) => s.unit_id === CO);
    expect(mdhl).toMatchObject({ score: null, max_score: '18.00', period_number: 0 });
    expect(d.scores.find((s) => s.unit_id === AG)?.flags).toEqual(['TEMP_X', 'B']);
    expect(d.metrics[0]).toMatchObject({ numerator: '710', ratio: '71.00', score: '7.10' });
  });

  it('an identical re-run changes nothing at all', async () => {
    const before = await dump();
    const res = await storeProvinceDay(db.pool, null, day('2026-11-01'));
    expect(res.changed).toEqual({ units: 0, scores: 0, metrics: 0 });
    expect(res.removed).toEqual({ scores: 0, metrics: 0 });
    expect(await dump()).toEqual(before);
  });

  it('a re-ingest after a parser fix corrects and removes rows of that day only', async () => {
    await storeProvinceDay(db.pool, null, day('2026-11-02'));
    const fixed = day('2026-11-01');
    const res = await storeProvinceDay(db.pool, null, {
      ...fixed,
      scores: fixed.scores
        .filter((s) => s.unitId !== CO)
        .map((s) => (s.unitId === AG ? { ...s, score: 6.9 } : s)),
      metrics: [],
    });
    expect(res.changed.scores).toBe(1);
    expect(res.removed).toEqual({ scores: 1, metrics: 1 });
    const d = await dump();
    expect(d.scores.filter((s) => s.report_date.toISOString().startsWith('2026-11-01'))).toHaveLength(2);
    expect(d.scores.find((s) => s.unit_id === AG && s.score === '6.90')).toBeDefined();
    // the other day is untouched
    expect(d.scores.filter((s) => s.unit_id === CO)).toHaveLength(1);
    expect(d.metrics).toHaveLength(1);
  });

  it('widens first/last seen, takes the newest name and keeps a known code', async () => {
    await storeProvinceDay(db.pool, null, day('2026-10-20'));
    const renamed = day('2026-11-05');
    await storeProvinceDay(db.pool, null, {
      ...renamed,
      units: renamed.units.map((u) => (u.id === AG ? { ...u, name: 'Sở Y tế', code: null } : u)),
    });
    // an older day re-ingested with the old name does not rename back
    await storeProvinceDay(db.pool, null, day('2026-10-25'));
    const ag = (await dump()).units.find((u) => u.id === AG);
    expect(ag).toMatchObject({
      name: 'Sở Y tế',
      code: 'H18.01',
      first_seen: '2026-10-20',
      last_seen: '2026-11-05',
    });
  });

  it('rolls the whole day back when a statement fails', async () => {
    const bad = day('2026-11-10');
    const scoresBefore = (await db.pool.query('select count(*)::int as n from scores')).rows[0].n;
    await expect(
      storeProvinceDay(db.pool, null, {
        ...bad,
        scores: [
          { unitId: AG, group: 'TTTT', score: 123456, maxScore: 10, rank: null, rankOf: null, flags: [] },
        ],
      }),
    ).rejects.toThrow();
    expect((await db.pool.query('select count(*)::int as n from scores')).rows[0].n).toBe(scoresBefore);
    expect(
      (await db.pool.query(`select last_seen::text from units where id = $1`, [AG])).rows[0].last_seen,
    ).toBe('2026-11-05');
  });

  it('a name the answers did not give (null) never replaces the stored one; a new unit without one is not stored', async () => {
    const stranger = '00000000-0000-4000-8000-0000000000aa';
    const base = day('2026-11-12');
    const res = await storeProvinceDay(db.pool, null, {
      ...base,
      units: [
        ...base.units.map((u) => (u.id === PROV || u.id === AG ? { ...u, name: null } : u)),
        { id: stranger, code: 'H18.77', name: null, kind: 'agency', parentId: PROV },
      ],
      scores: [
        ...base.scores,
        { unitId: stranger, group: 'TTTT', score: 5, maxScore: 10, rank: null, rankOf: null, flags: [] },
      ],
    });
    expect(res.notStored).toEqual([stranger]);
    const d = await dump();
    expect(d.units.find((u) => u.id === PROV)).toMatchObject({
      name: 'UBND tỉnh Điện Biên',
      last_seen: '2026-11-12',
    });
    expect(d.units.find((u) => u.id === AG)).toMatchObject({ name: 'Sở Y tế', last_seen: '2026-11-12' });
    expect(d.units.find((u) => u.id === stranger)).toBeUndefined();
    expect(d.scores.filter((x) => x.unit_id === stranger)).toEqual([]);
    // the units that could be stored have their day
    expect(
      d.scores
        .filter((x) => x.report_date.toISOString().startsWith('2026-11-12'))
        .map((x) => x.unit_id)
        .sort(),
    ).toEqual([PROV, AG, CO].sort());
  });

  it('a group whose answers did not come in full keeps its stored rows; an answered one loses what it no longer lists', async () => {
    await storeProvinceDay(db.pool, null, day('2026-11-14'));
    const again = day('2026-11-14');
    // the TTTT call failed (no TTTT rows, no metrics) and the MDHL list no longer has the commune
    const res = await storeProvinceDay(db.pool, null, {
      ...again,
      scores: again.scores.filter((x) => x.group !== 'TTTT' && x.group !== 'MDHL'),
      metrics: [],
      answered: ['TOTAL', 'CKMB', 'TDGQ', 'CLGQ', 'MDSH', 'MDHL'],
    });
    expect(res.removed).toEqual({ scores: 1, metrics: 0 });
    const rows = (await dump()).scores.filter((x) => x.report_date.toISOString().startsWith('2026-11-14'));
    expect(rows.map((x) => x.grp).sort()).toEqual(['TOTAL', 'TTTT']);
    expect(
      (await dump()).metrics.filter((m) => m.report_date.toISOString().startsWith('2026-11-14')),
    ).toHaveLength(1);
  });

  it('refuses two different copies of one score rather than let the first win', async () => {
    const base = day('2026-11-16');
    await expect(
      storeProvinceDay(db.pool, null, {
        ...base,
        scores: [...base.scores, { ...base.scores[1]!, score: 1.5 }],
      }),
    ).rejects.toThrow(/twice with different values/);
  });
});
