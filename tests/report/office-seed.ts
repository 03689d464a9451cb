/**
 * A small stored province for the office-report tests: 6 agencies, 8 communes, two report
 * dates of the 2026 year (and a month), with one agency not evaluated (no total), one
 * commune missing TTTT, ties and classification changes between the two dates.
 */
import { GROUP_CODES, GROUP_MAX, type GroupCode, type IsoDate, type PeriodType } from '../../src/domain.js';
import type { Queryable } from '../../src/store/db.js';
import { insertScores, insertUnits, makeProvince, type SeedScore, type SeedUnit } from '../helpers/seed.js';

export const seeded = makeProvince({ agencies: 6, communes: 8 });
export const NOT_EVALUATED_AGENCY = seeded.agencies[5]!;
export const NO_TTTT_COMMUNE = seeded.communes[7]!;

/** Group scores of a unit on a date: a fraction of the maximum that differs per unit and day. */
export function groupScores(unitIndex: number, day: number): Record<GroupCode, number> {
  const out = {} as Record<GroupCode, number>;
  GROUP_CODES.forEach((g, gi) => {
    const frac = 0.55 + ((unitIndex * 7 + gi * 3 + day * 5) % 45) / 100;
    out[g] = Math.round(GROUP_MAX[g] * frac * 100) / 100;
  });
  return out;
}

function rowsFor(
  u: SeedUnit,
  index: number,
  date: IsoDate,
  day: number,
  period: { type: PeriodType; year: number; number: number },
  opts: { rank?: number; rankOf?: number } = {},
): SeedScore[] {
  const base = {
    unitId: u.id,
    date,
    periodType: period.type,
    periodYear: period.year,
    periodNumber: period.number,
  };
  if (u.id === NOT_EVALUATED_AGENCY.id) {
    return [
      { ...base, group: 'TOTAL', score: null, max: 100 },
      ...GROUP_CODES.map((g) => ({ ...base, group: g, score: null, max: GROUP_MAX[g] })),
    ];
  }
  const gs = groupScores(index, day);
  if (u.id === NO_TTTT_COMMUNE.id) delete (gs as Partial<Record<GroupCode, number>>).TTTT;
  let cents = 0;
  for (const g of GROUP_CODES) cents += Math.round((gs[g] ?? 0) * 100);
  return [
    {
      ...base,
      group: 'TOTAL',
      score: cents / 100,
      max: 100,
      rank: opts.rank ?? null,
      rankOf: opts.rankOf ?? null,
    },
    ...GROUP_CODES.map((g) => ({ ...base, group: g, score: gs[g] ?? null, max: GROUP_MAX[g] })),
  ];
}

/** Store `day`'s figures (day 0, 1, …) on `date` for the period. */
export async function seedDay(
  db: Queryable,
  date: IsoDate,
  day: number,
  period: { type: PeriodType; year: number; number: number },
  provinceRank: number,
): Promise<void> {
  const rows: SeedScore[] = [];
  seeded.units.forEach((u, i) => {
    rows.push(
      ...rowsFor(u, i, date, day, period, u.kind === 'province' ? { rank: provinceRank, rankOf: 34 } : {}),
    );
  });
  await insertScores(db, rows);
}

export async function seedProvince(db: Queryable): Promise<void> {
  await insertUnits(db, seeded.units, { firstSeen: '2025-01-01', lastSeen: '2026-11-20' });
  await seedDay(db, '2026-11-19', 0, { type: 'year', year: 2026, number: 0 }, 14);
  await seedDay(db, '2026-11-20', 3, { type: 'year', year: 2026, number: 0 }, 12);
  await seedDay(db, '2026-11-20', 4, { type: 'month', year: 2026, number: 11 }, 9);
}
