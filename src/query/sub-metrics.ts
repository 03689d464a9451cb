/**
 * The sub-indicators behind a group score (numerator, denominator, ratio, score, max) over a
 * date range, so a person can see *why* TTTT or MDSH moved. Oldest first, keyset-paginated.
 */
import { fromNumeric, type GroupCode, type IsoDate, isIsoDate, type PeriodType } from '../domain.js';
import { InputError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { clampLimit, decodeCursor, encodeCursor } from './cursor.js';
import type { Page } from './history.js';

export interface SubMetricRow {
  readonly date: IsoDate;
  readonly periodYear: number;
  readonly periodNumber: number;
  readonly group: GroupCode;
  readonly code: string;
  readonly name: string | null;
  readonly numerator: number | null;
  readonly denominator: number | null;
  readonly ratio: number | null;
  readonly score: number | null;
  readonly max: number | null;
  readonly qualityStatus: string | null;
  readonly qualityMessage: string | null;
}

export interface SubMetricQuery {
  readonly unitId: string;
  readonly groups: readonly GroupCode[];
  readonly periodType?: PeriodType;
  readonly periodYear?: number;
  readonly from?: IsoDate;
  readonly to?: IsoDate;
  readonly after?: string;
  readonly limit?: number;
}

interface DbMetric {
  report_date: string;
  period_year: number;
  period_number: number;
  grp: GroupCode;
  code: string;
  name: string | null;
  numerator: string | null;
  denominator: string | null;
  ratio: string | null;
  score: string | null;
  max_score: string | null;
  quality_status: string | null;
  quality_message: string | null;
}

export async function readSubMetrics(db: Queryable, q: SubMetricQuery): Promise<Page<SubMetricRow>> {
  const limit = clampLimit(q.limit, 2000, 10_000);
  const params: unknown[] = [q.unitId, q.periodType ?? 'year', [...q.groups]];
  const where = ['unit_id = $1', 'period_type = $2', 'grp = any($3::text[])'];
  if (q.periodYear !== undefined) where.push(`period_year = $${params.push(q.periodYear)}`);
  if (q.from !== undefined) where.push(`report_date >= $${params.push(q.from)}::date`);
  if (q.to !== undefined) where.push(`report_date <= $${params.push(q.to)}::date`);
  if (q.after !== undefined) {
    const [d, y, n, g, c] = decodeCursor(q.after, ['date', 'int', 'int', 'text', 'text']);
    if (!isIsoDate(String(d))) throw new InputError('after', 'is not a cursor this list returned');
    const i = params.push(d, y, n, g, c);
    where.push(
      `(report_date, period_year, period_number, grp, code) > ($${i - 4}::date, $${i - 3}::int, $${i - 2}::int, $${i - 1}, $${i})`,
    );
  }
  const li = params.push(limit + 1);
  const res = await db.query<DbMetric>(
    `select to_char(report_date, 'YYYY-MM-DD') as report_date, period_year, period_number, grp, code, name,
            numerator, denominator, ratio, score, max_score, quality_status, quality_message
       from metrics where ${where.join(' and ')}
      order by report_date, period_year, period_number, grp, code limit $${li}`,
    params,
  );
  const rows = res.rows.map(
    (r): SubMetricRow => ({
      date: r.report_date,
      periodYear: r.period_year,
      periodNumber: r.period_number,
      group: r.grp,
      code: r.code,
      name: r.name,
      numerator: fromNumeric(r.numerator),
      denominator: fromNumeric(r.denominator),
      ratio: fromNumeric(r.ratio),
      score: fromNumeric(r.score),
      max: fromNumeric(r.max_score),
      qualityStatus: r.quality_status,
      qualityMessage: r.quality_message,
    }),
  );
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  const l = items.at(-1);
  return {
    items,
    nextCursor: hasMore && l ? encodeCursor([l.date, l.periodYear, l.periodNumber, l.group, l.code]) : null,
  };
}
