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
  /** The point comes from the office's imported table (`dvc-index import`), not a capture. */
  readonly imported: boolean;
}

/** Imported scores carry this flag (see src/import/import-file.ts). */
export const IMPORTED_FLAG = 'imported';
function isImported(groups: Partial<Record<ScoreGroup, GroupValue>>): boolean {
  return Object.values(groups).some((g) => g?.flags.includes(IMPORTED_FLAG));
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
  const where: string[] = [`unit_id = $1`, `period_type = $2`, `grp = any($3::text[])`];
  if (q.periodYear !== undefined) {
    const i = params.push(q.periodYear);
    where.push(`period_year = $${i}`);
  }
  if (q.from !== undefined) {
    const i = params.push(q.from);
    where.push(`report_date >= $${i}::date`);
  }
  if (q.to !== undefined) {
    const i = params.push(q.to);
    where.push(`report_date <= $${i}::date`);
  }
  if (q.after !== undefined) {
    const [d, y, n] = decodeCursor(q.after, ['date', 'int', 'int']);
    if (!isIsoDate(String(d))) throw new InputError('after', 'is not a cursor this list returned');
    const i = params.push(d, y, n);
    where.push(`(report_date, period_year, period_number) > ($${i - 2}::date, $${i - 1}::int, $${i}::int)`);
  }
  // One index range scan, no join: a date has at most one row per group, so
  // (limit + 1) × groups rows always reach past the page's last date when there is more;
  // the rows of the first `limit` dates are then complete.
  const li = params.push((limit + 1) * groups.length);
  const res = await db.query<DbScore>(
    `select to_char(report_date, 'YYYY-MM-DD') as report_date, period_year, period_number, grp,
            score, max_score, rank, rank_of, flags
       from scores
      where ${where.join(' and ')}
      order by report_date, period_year, period_number
      limit $${li}`,
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
        imported: false,
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
  const marked = points.map((p) => ({ ...p, imported: isImported(p.groups) }));
  const hasMore = marked.length > limit;
  const items = hasMore ? marked.slice(0, limit) : marked;
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

/** One unit's points, for exports that cover a whole province. */
export interface UnitHistory {
  readonly unit: { readonly id: string; readonly code: string | null; readonly name: string };
  readonly points: HistoryPoint[];
}

interface DbUnitDate {
  unit_id: string;
  report_date: string;
  period_year: number;
  period_number: number;
  /** grp US score US max US rank US rank_of US flags('|'-joined), groups separated by RS. */
  cells: string;
}

const US = '\u001f';
const RS = '\u001e';

/**
 * Every unit of a province (the province, agencies, communes, as `listUnits` orders them)
 * with its points for the selection: the source of the province-wide CSV export, one row per
 * unit-date. Units with no stored row in the selection are left out.
 */
export async function readProvinceHistory(
  db: Queryable,
  q: Omit<HistoryQuery, 'unitId' | 'after' | 'limit'> & {
    readonly provinceId: string;
    readonly units: readonly { id: string; code: string | null; name: string }[];
  },
): Promise<UnitHistory[]> {
  const periodType = q.periodType ?? 'year';
  const groups = q.groups && q.groups.length > 0 ? [...q.groups] : [...SCORE_GROUPS];
  const params: unknown[] = [q.provinceId, periodType, groups];
  const where = [
    's.unit_id in (select id from units where id = $1 or province_id = $1)',
    's.period_type = $2',
    's.grp = any($3::text[])',
  ];
  if (q.periodYear !== undefined) where.push(`s.period_year = $${params.push(q.periodYear)}`);
  if (q.from !== undefined) where.push(`s.report_date >= $${params.push(q.from)}::date`);
  if (q.to !== undefined) where.push(`s.report_date <= $${params.push(q.to)}::date`);
  // One row per unit-date with its groups packed into one text: a year of a 60-unit
  // province is ~22 000 rows instead of ~150 000, which is most of the export's cost in pg.
  const res = await db.query<DbUnitDate>(
    `select s.unit_id, to_char(s.report_date, 'YYYY-MM-DD') as report_date, s.period_year, s.period_number,
            string_agg(concat_ws(E'\\x1f', s.grp, coalesce(s.score::text, ''), coalesce(s.max_score::text, ''),
                                 coalesce(s.rank::text, ''), coalesce(s.rank_of::text, ''),
                                 array_to_string(s.flags, '|')), E'\\x1e') as cells
       from scores s
      where ${where.join(' and ')}
      group by s.unit_id, s.report_date, s.period_year, s.period_number
      order by s.unit_id, s.report_date, s.period_year, s.period_number`,
    params,
  );
  const num = (t: string | undefined) => (t === undefined || t === '' ? null : Number(t));
  const byUnit = new Map<string, HistoryPoint[]>();
  for (const r of res.rows) {
    let list = byUnit.get(r.unit_id);
    if (!list) {
      list = [];
      byUnit.set(r.unit_id, list);
    }
    const groupsOf: Partial<Record<ScoreGroup, GroupValue>> = {};
    for (const cell of r.cells.split(RS)) {
      const [grp, score, max, rank, rankOf, flags] = cell.split(US);
      groupsOf[grp as ScoreGroup] = {
        score: num(score),
        max: num(max),
        rank: num(rank),
        rankOf: num(rankOf),
        flags: flags ? flags.split('|') : [],
      };
    }
    list.push({
      date: r.report_date,
      period: {
        type: periodType,
        year: r.period_year,
        number: r.period_number,
        key: periodKey({ type: periodType, year: r.period_year, number: r.period_number }),
      },
      groups: groupsOf,
      imported: isImported(groupsOf),
    });
  }
  return q.units.flatMap((u) => {
    const points = byUnit.get(u.id);
    return points ? [{ unit: { id: u.id, code: u.code, name: u.name }, points }] : [];
  });
}
