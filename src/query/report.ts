/**
 * The province report's input for one report date and period type: the province's units as
 * they stood that day and every score stored for them, in the shapes the parsers' report
 * builder (`toProvinceTable`) takes. Also the neighbouring dates, so a face can say "latest"
 * and compare with the day before.
 */
import {
  fromNumeric,
  type IsoDate,
  type Period,
  type PeriodType,
  periodOf,
  SCORE_GROUPS,
  type ScoreGroup,
} from '../domain.js';
import type { ScoreObservation, UnitObservation } from '../source/types.js';
import type { Queryable } from '../store/db.js';

export interface ProvinceReportInput {
  readonly provinceId: string;
  readonly date: IsoDate;
  /** null when nothing was stored for that date and period type. */
  readonly period: Period | null;
  readonly units: UnitObservation[];
  readonly scores: ScoreObservation[];
}

/** The latest report date with a stored score of this period type for the province or its units. */
export async function readLatestReportDate(
  db: Queryable,
  provinceId: string,
  periodType: PeriodType = 'year',
  onOrBefore?: IsoDate,
): Promise<IsoDate | null> {
  const params: unknown[] = [provinceId, periodType];
  let bound = '';
  if (onOrBefore !== undefined) bound = `and s.report_date <= $${params.push(onOrBefore)}::date`;
  // The province's own TOTAL row is there on every ingested day; fall back to its units for
  // days where only they were stored.
  const own = await db.query<{ d: string | null }>(
    `select to_char(max(s.report_date), 'YYYY-MM-DD') as d from scores s
      where s.unit_id = $1 and s.grp = 'TOTAL' and s.period_type = $2 ${bound}`,
    params,
  );
  const a = own.rows[0]?.d ?? null;
  // Only days later than the province's own latest can change the answer; scanning the date
  // index from the end stops at the first of them.
  const later = await db.query<{ d: string }>(
    `select to_char(s.report_date, 'YYYY-MM-DD') as d from scores s
      where s.period_type = $2 and s.grp = 'TOTAL'
        and s.unit_id in (select id from units where province_id = $1)
        and s.report_date > $${params.push(a ?? '0001-01-01')}::date ${bound}
      order by s.report_date desc limit 1`,
    params,
  );
  return later.rows[0]?.d ?? a;
}

/** The latest report date strictly before `date` with data (for day-over-day comparisons). */
export async function readPreviousReportDate(
  db: Queryable,
  provinceId: string,
  date: IsoDate,
  periodType: PeriodType = 'year',
): Promise<IsoDate | null> {
  const res = await db.query<{ d: string }>(`select to_char($1::date - 1, 'YYYY-MM-DD') as d`, [date]);
  return readLatestReportDate(db, provinceId, periodType, res.rows[0]!.d);
}

interface DbUnit {
  id: string;
  code: string | null;
  name: string;
  kind: 'province' | 'agency' | 'commune';
  province_id: string | null;
}
interface DbScore {
  unit_id: string;
  grp: ScoreGroup;
  score: string | null;
  max_score: string | null;
  rank: number | null;
  rank_of: number | null;
  flags: string[];
}

/**
 * Units (the province, then agencies, then communes) that existed on `date` or have a score
 * on it, and their scores for the period of `periodType` containing `date` (or, when none
 * was stored for that one, the latest period stored on that date).
 */
export async function readProvinceReport(
  db: Queryable,
  opts: { provinceId: string; date: IsoDate; periodType?: PeriodType; period?: Period },
): Promise<ProvinceReportInput> {
  const periodType = opts.period?.type ?? opts.periodType ?? 'year';
  const periods = await db.query<{ period_year: number; period_number: number }>(
    `select distinct period_year, period_number from scores
      where unit_id = $1 and grp = 'TOTAL' and period_type = $2 and report_date = $3::date`,
    [opts.provinceId, periodType, opts.date],
  );
  const natural = opts.period ?? periodOf(periodType, opts.date);
  const found = periods.rows.map((r) => ({ type: periodType, year: r.period_year, number: r.period_number }));
  const exact = found.find((p) => p.year === natural.year && p.number === natural.number);
  // An explicit period is that one or nothing; otherwise the latest stored on that date.
  const period: Period | null =
    exact ??
    (opts.period ? undefined : found.sort((a, b) => b.year - a.year || b.number - a.number)[0]) ??
    ((await hasUnitScores(db, opts.provinceId, opts.date, periodType, natural)) ? natural : null);

  const units = await db.query<DbUnit>(
    `select u.id, u.code, u.name, u.kind, u.province_id from units u
      where (u.id = $1 or u.province_id = $1)
        and ((u.first_seen <= $2::date and u.last_seen >= $2::date)
             or exists (select 1 from scores s where s.unit_id = u.id and s.grp = 'TOTAL'
                          and s.period_type = $3 and s.report_date = $2::date))
      order by case u.kind when 'province' then 0 when 'agency' then 1 else 2 end, u.code nulls last, u.name_key`,
    [opts.provinceId, opts.date, periodType],
  );
  let scores: ScoreObservation[] = [];
  if (period) {
    // grp = any(all groups) lets the primary key (unit, grp, period…, date) be probed per
    // unit and group instead of scanning the whole date's rows of every province.
    const res = await db.query<DbScore>(
      `select s.unit_id, s.grp, s.score, s.max_score, s.rank, s.rank_of, s.flags
         from units u join scores s on s.unit_id = u.id
        where (u.id = $1 or u.province_id = $1) and s.grp = any($6::text[])
          and s.period_type = $2 and s.period_year = $3 and s.period_number = $4 and s.report_date = $5::date`,
      [opts.provinceId, periodType, period.year, period.number, opts.date, [...SCORE_GROUPS]],
    );
    scores = res.rows.map((r) => ({
      unitId: r.unit_id,
      group: r.grp,
      score: fromNumeric(r.score),
      maxScore: fromNumeric(r.max_score),
      rank: r.rank,
      rankOf: r.rank_of,
      flags: r.flags,
    }));
  }
  return {
    provinceId: opts.provinceId,
    date: opts.date,
    period,
    units: units.rows.map((u) => ({
      id: u.id,
      code: u.code,
      name: u.name,
      kind: u.kind,
      parentId: u.province_id,
    })),
    scores,
  };
}

async function hasUnitScores(
  db: Queryable,
  provinceId: string,
  date: IsoDate,
  periodType: PeriodType,
  period: Period,
): Promise<boolean> {
  const res = await db.query(
    `select 1 from units u join scores s on s.unit_id = u.id
      where u.province_id = $1 and s.grp = 'TOTAL' and s.period_type = $2 and s.period_year = $3
        and s.period_number = $4 and s.report_date = $5::date limit 1`,
    [provinceId, periodType, period.year, period.number, date],
  );
  return (res.rowCount ?? 0) > 0;
}

/** The latest report date on which the province (or its units) has scores of this exact period. */
export async function readLatestDateOfPeriod(
  db: Queryable,
  provinceId: string,
  period: Period,
  onOrBefore?: IsoDate,
): Promise<IsoDate | null> {
  const params: unknown[] = [provinceId, period.type, period.year, period.number];
  const bound = onOrBefore === undefined ? '' : `and s.report_date <= $${params.push(onOrBefore)}::date`;
  const res = await db.query<{ d: string | null }>(
    `select to_char(max(s.report_date), 'YYYY-MM-DD') as d from units u join scores s on s.unit_id = u.id
      where (u.id = $1 or u.province_id = $1) and s.grp = 'TOTAL' and s.period_type = $2
        and s.period_year = $3 and s.period_number = $4 ${bound}`,
    params,
  );
  return res.rows[0]?.d ?? null;
}

/** First and last report dates with the province's own TOTAL of this period type. */
export async function readDateRange(
  db: Queryable,
  provinceId: string,
  periodType: PeriodType = 'year',
): Promise<{ first: IsoDate | null; last: IsoDate | null }> {
  const res = await db.query<{ first: string | null; last: string | null }>(
    `select to_char(min(report_date), 'YYYY-MM-DD') as first, to_char(max(report_date), 'YYYY-MM-DD') as last
       from scores where unit_id = $1 and grp = 'TOTAL' and period_type = $2`,
    [provinceId, periodType],
  );
  return { first: res.rows[0]?.first ?? null, last: res.rows[0]?.last ?? null };
}
