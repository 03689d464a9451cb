/**
 * One unit's history: every stored score of the chosen groups and period type, one point per
 * report date (and period), oldest first, keyset-paginated. A missing value stays `null`;
 * a day nobody captured is simply absent (never carried forward).
 */
import {
  fromNumeric,
  type IsoDate,
  isIsoDate,
  type PeriodType,
  periodKey,
  SCORE_GROUPS,
  type ScoreGroup,
} from '../domain.js';
import { InputError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { clampLimit, decodeCursor, encodeCursor } from './cursor.js';

export interface GroupValue {
  readonly score: number | null;
  readonly max: number | null;
  readonly rank: number | null;
  readonly rankOf: number | null;
  readonly flags: readonly string[];
}

export interface HistoryPoint {
  readonly date: IsoDate;
  readonly period: {
    readonly type: PeriodType;
    readonly year: number;
    readonly number: number;
    readonly key: string;
  };
  /** Only the groups stored for that date; a group with a stored null score is present with `score: null`. */
  readonly groups: Partial<Record<ScoreGroup, GroupValue>>;
}

export interface HistoryQuery {
  readonly unitId: string;
  /** Default: all seven (TOTAL and the six groups). */
  readonly groups?: readonly ScoreGroup[];
  /** Default `year`. */
  readonly periodType?: PeriodType;
  /** Only this period year (e.g. the 2026 year period). */
  readonly periodYear?: number;
  readonly from?: IsoDate;
  readonly to?: IsoDate;
  /** `nextCursor` of the previous page. */
  readonly after?: string;
  readonly limit?: number;
}

export interface Page<T> {
  readonly items: T[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export const HISTORY_DEFAULT_LIMIT = 500;
export const HISTORY_MAX_LIMIT = 5000;

interface DbScore {
  report_date: string;
  period_year: number;
  period_number: number;
  grp: ScoreGroup;
  score: string | null;
  max_score: string | null;
  rank: number | null;
  rank_of: number | null;
  flags: string[];
}

/** A page of one unit's history, oldest first. */
export async function readUnitHistory(db: Queryable, q: HistoryQuery): Promise<Page<HistoryPoint>> {
  const limit = clampLimit(q.limit, HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT);
  const periodType = q.periodType ?? 'year';
  const groups = q.groups && q.groups.length > 0 ? [...q.groups] : [...SCORE_GROUPS];
  const params: unknown[] = [q.unitId, periodType, groups];
  // The same filter twice: once to pick the page's dates, once (aliased) to fetch their rows.
  const filters: ((a: string) => string)[] = [
    (a) => `${a}unit_id = $1`,
    (a) => `${a}period_type = $2`,
    (a) => `${a}grp = any($3::text[])`,
  ];
  if (q.periodYear !== undefined) {
    const i = params.push(q.periodYear);
    filters.push((a) => `${a}period_year = $${i}`);
  }
  if (q.from !== undefined) {
    const i = params.push(q.from);
    filters.push((a) => `${a}report_date >= $${i}::date`);
  }
  if (q.to !== undefined) {
    const i = params.push(q.to);
    filters.push((a) => `${a}report_date <= $${i}::date`);
  }
  const keyWhere = filters.map((f) => f(''));
  if (q.after !== undefined) {
    const [d, y, n] = decodeCursor(q.after, ['string', 'number', 'number']);
    if (!isIsoDate(String(d))) throw new InputError('after', 'is not a cursor this list returned');
    const i = params.push(d, y, n);
    keyWhere.push(
      `(report_date, period_year, period_number) > ($${i - 2}::date, $${i - 1}::int, $${i}::int)`,
    );
  }
  const li = params.push(limit + 1);
  const res = await db.query<DbScore>(
    `with keys as (
       select distinct report_date, period_year, period_number from scores
        where ${keyWhere.join(' and ')}
        order by report_date, period_year, period_number
        limit $${li}
     )
     select to_char(s.report_date, 'YYYY-MM-DD') as report_date, s.period_year, s.period_number, s.grp,
            s.score, s.max_score, s.rank, s.rank_of, s.flags
       from scores s join keys k using (report_date, period_year, period_number)
      where ${filters.map((f) => f('s.')).join(' and ')}
      order by s.report_date, s.period_year, s.period_number`,
    params,
  );
  const points: HistoryPoint[] = [];
  let current: {
    date: string;
    year: number;
    number: number;
    groups: Partial<Record<ScoreGroup, GroupValue>>;
  } | null = null;
  for (const r of res.rows) {
    if (
      !current ||
      current.date !== r.report_date ||
      current.year !== r.period_year ||
      current.number !== r.period_number
    ) {
      current = { date: r.report_date, year: r.period_year, number: r.period_number, groups: {} };
      points.push({
        date: current.date,
        period: {
          type: periodType,
          year: current.year,
          number: current.number,
          key: periodKey({ type: periodType, year: current.year, number: current.number }),
        },
        groups: current.groups,
      });
    }
    current.groups[r.grp] = {
      score: fromNumeric(r.score),
      max: fromNumeric(r.max_score),
      rank: r.rank,
      rankOf: r.rank_of,
      flags: r.flags,
    };
  }
  const hasMore = points.length > limit;
  const items = hasMore ? points.slice(0, limit) : points;
  const last = items.at(-1);
  return {
    items,
    nextCursor: hasMore && last ? encodeCursor([last.date, last.period.year, last.period.number]) : null,
  };
}

/** Every page of a unit's history (the CLI and the CSV export want the whole range). */
export async function readAllUnitHistory(
  db: Queryable,
  q: Omit<HistoryQuery, 'after' | 'limit'>,
): Promise<HistoryPoint[]> {
  const all: HistoryPoint[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await readUnitHistory(db, { ...q, after, limit: HISTORY_MAX_LIMIT });
    all.push(...page.items);
    if (!page.nextCursor) return all;
    after = page.nextCursor;
  }
}
