/**
 * Alert episodes and the falls found on a report date, read for people. The tables come from
 * the alerts migration; when they are absent (an older database) the lists are empty and
 * {@link hasAlertTables} says so, so faces can fall back to day-over-day comparisons.
 */
import {
  fromNumeric,
  type GroupCode,
  type IsoDate,
  isIsoDate,
  type PeriodType,
  periodKey,
} from '../domain.js';
import { InputError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { clampLimit, decodeCursor, encodeCursor } from './cursor.js';
import type { Page } from './history.js';

export async function hasAlertTables(db: Queryable): Promise<boolean> {
  const res = await db.query<{ a: string | null; e: string | null }>(
    `select to_regclass('alerts')::text as a, to_regclass('alert_events')::text as e`,
  );
  return res.rows[0]?.a != null && res.rows[0]?.e != null;
}

export interface AlertRow {
  readonly id: number;
  readonly provinceCode: string;
  readonly unitId: string;
  readonly unitCode: string | null;
  readonly unitName: string;
  readonly unitKind: string;
  readonly group: GroupCode;
  readonly period: {
    readonly type: PeriodType;
    readonly year: number;
    readonly number: number;
    readonly key: string;
  };
  readonly maxScore: number | null;
  readonly status: 'open' | 'resolved';
  readonly resolution: string | null;
  readonly openedOn: IsoDate;
  readonly lastSeenOn: IsoDate;
  readonly resolvedOn: IsoDate | null;
  readonly baseline: number | null;
  readonly current: number | null;
  readonly worst: number | null;
  readonly reasons: unknown;
}

export interface AlertFilter {
  readonly province?: string;
  readonly unitId?: string;
  readonly status?: 'open' | 'resolved';
  readonly group?: GroupCode;
  readonly periodType?: PeriodType;
  /** Episodes that were open at some point in [from, to]. */
  readonly from?: IsoDate;
  readonly to?: IsoDate;
  readonly after?: string;
  readonly limit?: number;
}

interface DbAlert {
  id: string;
  province_code: string;
  unit_id: string;
  unit_code: string | null;
  unit_name: string;
  unit_kind: string;
  grp: GroupCode;
  period_type: PeriodType;
  period_year: number;
  period_number: number;
  max_score: string | null;
  status: 'open' | 'resolved';
  resolution: string | null;
  opened_on: string;
  last_seen_on: string;
  resolved_on: string | null;
  baseline: string | null;
  current: string | null;
  worst: string | null;
  reasons: unknown;
}

/** Episodes, most recently opened first, keyset-paginated on (opened_on, id). */
export async function listAlerts(db: Queryable, f: AlertFilter = {}): Promise<Page<AlertRow>> {
  const limit = clampLimit(f.limit, 100, 1000);
  if (!(await hasAlertTables(db))) return { items: [], nextCursor: null };
  const params: unknown[] = [];
  const where: string[] = [];
  if (f.province !== undefined) where.push(`a.province_code = upper($${params.push(f.province)})`);
  if (f.unitId !== undefined) where.push(`a.unit_id = $${params.push(f.unitId)}`);
  if (f.status !== undefined) where.push(`a.status = $${params.push(f.status)}`);
  if (f.group !== undefined) where.push(`a.grp = $${params.push(f.group)}`);
  if (f.periodType !== undefined) where.push(`a.period_type = $${params.push(f.periodType)}`);
  if (f.to !== undefined) where.push(`a.opened_on <= $${params.push(f.to)}::date`);
  if (f.from !== undefined)
    where.push(`coalesce(a.resolved_on, 'infinity'::date) >= $${params.push(f.from)}::date`);
  if (f.after !== undefined) {
    const [d, id] = decodeCursor(f.after, ['date', 'id']);
    if (!isIsoDate(String(d))) throw new InputError('after', 'is not a cursor this list returned');
    const i = params.push(d, id);
    where.push(`(a.opened_on, a.id) < ($${i - 1}::date, $${i}::bigint)`);
  }
  const li = params.push(limit + 1);
  const res = await db.query<DbAlert>(
    `select a.id, a.province_code, a.unit_id, u.code as unit_code, u.name as unit_name, u.kind as unit_kind,
            a.grp, a.period_type, a.period_year, a.period_number, a.max_score, a.status, a.resolution,
            to_char(a.opened_on, 'YYYY-MM-DD') as opened_on, to_char(a.last_seen_on, 'YYYY-MM-DD') as last_seen_on,
            to_char(a.resolved_on, 'YYYY-MM-DD') as resolved_on, a.baseline, a.current, a.worst, a.reasons
       from alerts a join units u on u.id = a.unit_id
      ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
      order by a.opened_on desc, a.id desc limit $${li}`,
    params,
  );
  const rows = res.rows.map(
    (r): AlertRow => ({
      id: Number(r.id),
      provinceCode: r.province_code,
      unitId: r.unit_id,
      unitCode: r.unit_code,
      unitName: r.unit_name,
      unitKind: r.unit_kind,
      group: r.grp,
      period: {
        type: r.period_type,
        year: r.period_year,
        number: r.period_number,
        key: periodKey({ type: r.period_type, year: r.period_year, number: r.period_number }),
      },
      maxScore: fromNumeric(r.max_score),
      status: r.status,
      resolution: r.resolution,
      openedOn: r.opened_on,
      lastSeenOn: r.last_seen_on,
      resolvedOn: r.resolved_on,
      baseline: fromNumeric(r.baseline),
      current: fromNumeric(r.current),
      worst: fromNumeric(r.worst),
      reasons: r.reasons,
    }),
  );
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  const l = items.at(-1);
  return { items, nextCursor: hasMore && l ? encodeCursor([l.openedOn, l.id]) : null };
}

export interface FallMark {
  readonly unitId: string;
  readonly group: GroupCode;
  readonly before: number | null;
  readonly after: number | null;
  /** Where the mark comes from: an alert event of detect, or our own day-over-day comparison. */
  readonly source: 'alert' | 'day-over-day';
  readonly kind: string;
  readonly comparedOn: IsoDate | null;
}

/**
 * Falls to mark on a report date: detect's `opened`/`worsened` events of that date plus
 * every episode still open on it. Null when the alert tables do not exist.
 */
export async function readAlertFalls(
  db: Queryable,
  opts: { provinceCode: string; date: IsoDate; periodType: PeriodType },
): Promise<FallMark[] | null> {
  if (!(await hasAlertTables(db))) return null;
  const events = await db.query<{
    unit_id: string;
    grp: GroupCode;
    before: string | null;
    after: string | null;
    kind: string;
    compared_on: string | null;
  }>(
    `select unit_id, grp, before, after, kind, to_char(compared_on, 'YYYY-MM-DD') as compared_on
       from alert_events
      where province_code = upper($1) and report_date = $2::date and period_type = $3
        and kind in ('opened', 'worsened')
      order by unit_id, grp`,
    [opts.provinceCode, opts.date, opts.periodType],
  );
  const open = await db.query<{ unit_id: string; grp: GroupCode; baseline: string; current: string }>(
    `select unit_id, grp, baseline, current from alerts
      where province_code = upper($1) and period_type = $3 and opened_on <= $2::date
        and (resolved_on is null or resolved_on > $2::date)
      order by unit_id, grp`,
    [opts.provinceCode, opts.date, opts.periodType],
  );
  const out: FallMark[] = events.rows.map((e) => ({
    unitId: e.unit_id,
    group: e.grp,
    before: fromNumeric(e.before),
    after: fromNumeric(e.after),
    source: 'alert',
    kind: e.kind,
    comparedOn: e.compared_on,
  }));
  const seen = new Set(out.map((m) => `${m.unitId}/${m.group}`));
  for (const a of open.rows) {
    if (seen.has(`${a.unit_id}/${a.grp}`)) continue;
    out.push({
      unitId: a.unit_id,
      group: a.grp,
      before: fromNumeric(a.baseline),
      after: fromNumeric(a.current),
      source: 'alert',
      kind: 'open',
      comparedOn: null,
    });
  }
  return out;
}
