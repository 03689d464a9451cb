/**
 * Alert episodes and events in PostgreSQL: loading the score series detect replays,
 * writing what it found (idempotently, under a per-province advisory lock), and reading
 * episodes for the digest and the `alerts` command.
 */
import type { Observation } from '../detect/compare-scores.js';
import type { DetectedEvent, Episode, Series } from '../detect/detect-episodes.js';
import type { FallReason, MetricValue } from '../detect/explain-fall.js';
import {
  fromNumeric,
  type GroupCode,
  type IsoDate,
  type Period,
  type PeriodType,
  type ScoreGroup,
  type UnitKind,
} from '../domain.js';
import type { Queryable } from './db.js';

/** Advisory-lock namespace for detect (one lock per province). */
const DETECT_LOCK_NS = 0x6474_6374;

export interface UnitRef {
  readonly id: string;
  readonly code: string | null;
  readonly name: string;
  readonly kind: UnitKind;
}

export async function findProvinceUnit(db: Queryable, provinceCode: string): Promise<UnitRef | null> {
  const r = await db.query(`select id, code, name, kind from units where kind = 'province' and code = $1`, [
    provinceCode.toUpperCase(),
  ]);
  return (r.rows[0] as UnitRef | undefined) ?? null;
}

/** Serialise detect runs of one province (a second worker waits instead of interleaving). */
export async function lockProvince(db: Queryable, provinceCode: string): Promise<void> {
  await db.query('select pg_advisory_xact_lock($1, hashtext($2))', [DETECT_LOCK_NS, provinceCode]);
}

/** The latest report date detect has processed for the province, or null. */
export async function detectionHorizon(db: Queryable, provinceCode: string): Promise<IsoDate | null> {
  const r = await db.query(
    'select max(report_date)::text as d from alert_detections where province_code = $1',
    [provinceCode],
  );
  return (r.rows[0]?.d as string | null) ?? null;
}

/** Periods (of the given types) for which the province's units have scores on a date. */
export async function periodsOn(
  db: Queryable,
  provinceUnitId: string,
  reportDate: IsoDate,
  types: readonly PeriodType[],
): Promise<Period[]> {
  const r = await db.query(
    `select distinct s.period_type as type, s.period_year as year, s.period_number as number
       from scores s join units u on u.id = s.unit_id
      where (u.id = $1 or u.province_id = $1) and s.report_date = $2 and s.period_type = any($3)
        and s.import_id is null -- an imported day (dvc-index import) is never compared for falls
      order by 1, 2, 3`,
    [provinceUnitId, reportDate, types],
  );
  return r.rows.map((x) => ({ type: x.type, year: Number(x.year), number: Number(x.number) }));
}

const periodsJson = (periods: readonly Period[]) =>
  JSON.stringify(periods.map((p) => ({ period_type: p.type, period_year: p.year, period_number: p.number })));

/** Every stored score of the province's units in these groups and periods, up to a date. */
export async function loadSeries(
  db: Queryable,
  q: { provinceUnitId: string; groups: readonly ScoreGroup[]; periods: readonly Period[]; upTo: IsoDate },
): Promise<Series[]> {
  if (q.periods.length === 0) return [];
  const r = await db.query(
    `select s.unit_id, s.grp, s.period_type, s.period_year, s.period_number, s.report_date::text as d,
            s.score, s.max_score, s.flags
       from scores s
       join units u on u.id = s.unit_id
       join jsonb_to_recordset($4::jsonb) p(period_type text, period_year int, period_number int)
         on p.period_type = s.period_type and p.period_year = s.period_year and p.period_number = s.period_number
      where (u.id = $1 or u.province_id = $1) and s.grp = any($2) and s.report_date <= $3
        and s.import_id is null -- imported days are history, never compared with captured ones
      order by s.unit_id, s.grp, s.period_type, s.period_year, s.period_number, s.report_date`,
    [q.provinceUnitId, q.groups, q.upTo, periodsJson(q.periods)],
  );
  const out: Series[] = [];
  let cur: { key: string; s: Series & { observations: Observation[] } } | null = null;
  for (const row of r.rows) {
    const key = `${row.unit_id}|${row.grp}|${row.period_type}|${row.period_year}|${row.period_number}`;
    if (cur === null || cur.key !== key) {
      cur = {
        key,
        s: {
          unitId: row.unit_id,
          group: row.grp,
          period: { type: row.period_type, year: Number(row.period_year), number: Number(row.period_number) },
          observations: [],
        },
      };
      out.push(cur.s);
    }
    cur.s.observations.push({
      date: row.d,
      score: fromNumeric(row.score),
      maxScore: fromNumeric(row.max_score),
      flags: row.flags ?? [],
    });
  }
  return out;
}

export interface MetricKey {
  readonly unitId: string;
  readonly group: ScoreGroup;
  readonly period: Period;
  readonly date: IsoDate;
}
const metricKey = (k: MetricKey) =>
  `${k.unitId}|${k.group}|${k.period.type}|${k.period.year}|${k.period.number}|${k.date}`;

/** Sub-metrics for a set of (unit, group, period, date) keys, keyed by {@link metricKey}. */
export async function loadMetrics(
  db: Queryable,
  keys: readonly MetricKey[],
): Promise<Map<string, MetricValue[]>> {
  const out = new Map<string, MetricValue[]>();
  if (keys.length === 0) return out;
  const r = await db.query(
    `select m.unit_id, m.grp, m.period_type, m.period_year, m.period_number, m.report_date::text as d,
            m.code, m.name, m.numerator, m.denominator, m.ratio, m.score, m.max_score
       from metrics m
       join (select distinct * from jsonb_to_recordset($1::jsonb)
               k(unit_id uuid, grp text, period_type text, period_year int, period_number int, report_date date)) k
         on k.unit_id = m.unit_id and k.grp = m.grp and k.period_type = m.period_type
        and k.period_year = m.period_year and k.period_number = m.period_number and k.report_date = m.report_date
      order by m.code`,
    [
      JSON.stringify(
        keys.map((k) => ({
          unit_id: k.unitId,
          grp: k.group,
          period_type: k.period.type,
          period_year: k.period.year,
          period_number: k.period.number,
          report_date: k.date,
        })),
      ),
    ],
  );
  for (const m of r.rows) {
    const key = metricKey({
      unitId: m.unit_id,
      group: m.grp,
      period: { type: m.period_type, year: Number(m.period_year), number: Number(m.period_number) },
      date: m.d,
    });
    const list = out.get(key) ?? [];
    list.push({
      code: m.code,
      name: m.name,
      numerator: fromNumeric(m.numerator),
      denominator: fromNumeric(m.denominator),
      ratio: fromNumeric(m.ratio),
      score: fromNumeric(m.score),
      maxScore: fromNumeric(m.max_score),
    });
    out.set(key, list);
  }
  return out;
}
export { metricKey };

export interface SaveDetection {
  readonly provinceCode: string;
  readonly provinceUnitId: string;
  readonly reportDate: IsoDate;
  readonly runId: string | null;
  /** The scope that was replayed: these groups (incl. TOTAL) and periods, every date ≤ horizon. */
  readonly groups: readonly ScoreGroup[];
  readonly periods: readonly Period[];
  /**
   * The run's report date: events from it on, and episodes opened from it on, are replaced;
   * earlier ones are left as earlier detects wrote them. `episodes` and `events` hold exactly
   * what may change (events dated ≥ since; episodes open or moved since then).
   */
  readonly since: IsoDate;
  readonly episodes: readonly (Episode & { reasons: readonly FallReason[] })[];
  readonly events: readonly (DetectedEvent & { reasons?: readonly FallReason[] })[];
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * Make the stored episodes and events of the replayed scope equal to `d` (upsert what was
 * found, delete what no longer is), then close episodes whose period has ended, and record
 * the detection. Must run inside the transaction that took {@link lockProvince}.
 */
export async function saveDetection(db: Queryable, d: SaveDetection): Promise<void> {
  const episodes = d.episodes.map((e) => ({
    unit_id: e.unitId,
    grp: e.group,
    period_type: e.period.type,
    period_year: e.period.year,
    period_number: e.period.number,
    max_score: e.maxScore,
    status: e.status,
    resolution: e.resolution,
    opened_on: e.openedOn,
    baseline: e.baseline,
    current: e.current,
    worst: e.worst,
    last_seen_on: e.lastSeenOn,
    resolved_on: e.resolvedOn,
    reasons: e.reasons,
  }));
  const scope = periodsJson(d.periods);
  await db.query(
    `insert into alerts (province_code, unit_id, grp, period_type, period_year, period_number, max_score, status,
                         resolution, opened_on, baseline, current, worst, last_seen_on, resolved_on, reasons)
     select $1, unit_id, grp, period_type, period_year, period_number, max_score, status,
            resolution, opened_on, baseline, current, worst, last_seen_on, resolved_on, coalesce(reasons, '[]')
       from jsonb_to_recordset($2::jsonb) x(unit_id uuid, grp text, period_type text, period_year int, period_number int,
            max_score numeric, status text, resolution text, opened_on date, baseline numeric, current numeric,
            worst numeric, last_seen_on date, resolved_on date, reasons jsonb)
     on conflict (unit_id, grp, period_type, period_year, period_number, opened_on) do update set
       max_score = excluded.max_score, status = excluded.status, resolution = excluded.resolution,
       baseline = excluded.baseline, current = excluded.current, worst = excluded.worst,
       last_seen_on = excluded.last_seen_on, resolved_on = excluded.resolved_on, reasons = excluded.reasons,
       updated_at = now()
     -- an episode closed because its period ended stays closed unless the replay resolved it itself
     where (alerts.resolution is distinct from 'period-ended' or excluded.status = 'resolved')
       and (alerts.max_score, alerts.status, alerts.resolution, alerts.baseline, alerts.current, alerts.worst,
            alerts.last_seen_on, alerts.resolved_on, alerts.reasons)
           is distinct from
           (excluded.max_score, excluded.status, excluded.resolution, excluded.baseline, excluded.current,
            excluded.worst, excluded.last_seen_on, excluded.resolved_on, excluded.reasons)`,
    [d.provinceCode, JSON.stringify(episodes)],
  );
  // Episodes of the scope that the replay no longer produces (a re-ingest changed a score).
  // An anti-join (hashable), not `not exists` over the recordset, which is quadratic.
  await db.query(
    `delete from alerts where id in (
       select a.id from alerts a
         join jsonb_to_recordset($3::jsonb) p(period_type text, period_year int, period_number int)
           on a.period_type = p.period_type and a.period_year = p.period_year and a.period_number = p.period_number
         left join jsonb_to_recordset($4::jsonb) x(unit_id uuid, grp text, period_type text, period_year int,
                     period_number int, opened_on date)
           on x.unit_id = a.unit_id and x.grp = a.grp and x.period_type = a.period_type
          and x.period_year = a.period_year and x.period_number = a.period_number and x.opened_on = a.opened_on
        where a.province_code = $1 and a.grp = any($2) and a.opened_on >= $5 and x.unit_id is null)`,
    [d.provinceCode, d.groups, scope, JSON.stringify(episodes), d.since],
  );
  const events = d.events.map((e) => ({
    report_date: e.reportDate,
    kind: e.kind,
    unit_id: e.unitId,
    grp: e.group,
    period_type: e.period.type,
    period_year: e.period.year,
    period_number: e.period.number,
    before: e.before,
    after: e.after,
    compared_on: e.comparedOn,
    gap_days: e.gapDays,
    opened_on: e.episodeOpenedOn,
    detail: e.reasons ? { ...e.detail, reasons: e.reasons } : e.detail,
  }));
  await db.query(
    `insert into alert_events (province_code, report_date, kind, alert_id, unit_id, grp, period_type, period_year,
                               period_number, before, after, compared_on, gap_days, detail)
     select $1, x.report_date, x.kind, a.id, x.unit_id, x.grp, x.period_type, x.period_year, x.period_number,
            x.before, x.after, x.compared_on, x.gap_days, x.detail
       from jsonb_to_recordset($2::jsonb) x(report_date date, kind text, unit_id uuid, grp text, period_type text,
            period_year int, period_number int, before numeric, after numeric, compared_on date, gap_days int,
            opened_on date, detail jsonb)
       left join alerts a on a.unit_id = x.unit_id and a.grp = x.grp and a.period_type = x.period_type
            and a.period_year = x.period_year and a.period_number = x.period_number and a.opened_on = x.opened_on
     on conflict (unit_id, grp, period_type, period_year, period_number, report_date, kind) do update set
       alert_id = excluded.alert_id, before = excluded.before, after = excluded.after,
       compared_on = excluded.compared_on, gap_days = excluded.gap_days, detail = excluded.detail
     where (alert_events.alert_id, alert_events.before, alert_events.after, alert_events.compared_on,
            alert_events.gap_days, alert_events.detail)
           is distinct from
           (excluded.alert_id, excluded.before, excluded.after, excluded.compared_on, excluded.gap_days, excluded.detail)`,
    [d.provinceCode, JSON.stringify(events)],
  );
  await db.query(
    `delete from alert_events where id in (
       select e.id from alert_events e
         join jsonb_to_recordset($3::jsonb) p(period_type text, period_year int, period_number int)
           on e.period_type = p.period_type and e.period_year = p.period_year and e.period_number = p.period_number
         left join jsonb_to_recordset($4::jsonb) x(report_date date, kind text, unit_id uuid, grp text,
                     period_type text, period_year int, period_number int)
           on x.unit_id = e.unit_id and x.grp = e.grp and x.period_type = e.period_type
          and x.period_year = e.period_year and x.period_number = e.period_number
          and x.report_date = e.report_date and x.kind = e.kind
        where e.province_code = $1 and e.grp = any($2) and e.report_date >= $5 and x.unit_id is null
          and not (e.kind = 'closed' and e.detail->>'resolution' = 'period-ended'))`,
    [d.provinceCode, d.groups, scope, JSON.stringify(events), d.since],
  );
  await db.query(
    `insert into alert_detections (province_code, report_date, run_id, counts) values ($1, $2, $3, $4)
     on conflict (province_code, report_date) do update set run_id = excluded.run_id, counts = excluded.counts`,
    [d.provinceCode, d.reportDate, d.runId, JSON.stringify(d.counts)],
  );
  await closeEndedPeriods(db, d.provinceCode, d.provinceUnitId);
}

/**
 * An open episode whose period is over (a newer period of the same type has scores for the
 * province) can no longer recover in a comparable way: close it as `period-ended` on the
 * first report date of the newest period, with a `closed` event. Deterministic whatever date
 * detect is running for.
 */
async function closeEndedPeriods(db: Queryable, provinceCode: string, provinceUnitId: string): Promise<void> {
  await db.query(
    `with latest as (
       select distinct on (period_type) period_type, period_year, period_number
         from scores where unit_id = $2 and import_id is null and report_date <= coalesce(
           (select max(report_date) from alert_detections where province_code = $1), 'infinity'::date)
        order by period_type, period_year desc, period_number desc
     ), starts as (
       select l.period_type, l.period_year, l.period_number, min(s.report_date) as first_day
         from latest l join scores s on s.unit_id = $2 and s.period_type = l.period_type
          and s.period_year = l.period_year and s.period_number = l.period_number
        group by 1, 2, 3
     ), closed as (
       update alerts a set status = 'resolved', resolution = 'period-ended', resolved_on = st.first_day, updated_at = now()
         from starts st
        where a.province_code = $1 and a.status = 'open' and a.period_type = st.period_type
          and (a.period_year, a.period_number) < (st.period_year, st.period_number)
       returning a.*
     )
     insert into alert_events (province_code, report_date, kind, alert_id, unit_id, grp, period_type, period_year,
                               period_number, before, after, detail)
     select $1, c.resolved_on, 'closed', c.id, c.unit_id, c.grp, c.period_type, c.period_year, c.period_number,
            c.baseline, c.current, '{"resolution":"period-ended"}'::jsonb
       from closed c
     on conflict do nothing`,
    [provinceCode, provinceUnitId],
  );
}

/** An episode row as the digest and the CLI show it. */
export interface AlertRow {
  readonly id: string;
  readonly provinceCode: string;
  readonly unitId: string;
  readonly unitCode: string | null;
  readonly unitName: string;
  readonly unitKind: UnitKind;
  readonly group: GroupCode;
  readonly period: Period;
  readonly maxScore: number;
  readonly status: 'open' | 'resolved';
  readonly resolution: string | null;
  readonly openedOn: IsoDate;
  readonly baseline: number;
  readonly current: number;
  readonly worst: number;
  readonly lastSeenOn: IsoDate;
  readonly resolvedOn: IsoDate | null;
  readonly reasons: readonly FallReason[];
}

const ALERT_COLUMNS = `a.id::text, a.province_code, a.unit_id, u.code as unit_code, u.name as unit_name, u.kind as unit_kind,
  a.grp, a.period_type, a.period_year, a.period_number, a.max_score, a.status, a.resolution, a.opened_on::text,
  a.baseline, a.current, a.worst, a.last_seen_on::text, a.resolved_on::text, a.reasons`;

// biome-ignore lint/suspicious/noExplicitAny: a pg row
function toAlertRow(r: any): AlertRow {
  return {
    id: r.id,
    provinceCode: r.province_code,
    unitId: r.unit_id,
    unitCode: r.unit_code,
    unitName: r.unit_name,
    unitKind: r.unit_kind,
    group: r.grp,
    period: { type: r.period_type, year: Number(r.period_year), number: Number(r.period_number) },
    maxScore: fromNumeric(r.max_score) as number,
    status: r.status,
    resolution: r.resolution,
    openedOn: r.opened_on,
    baseline: fromNumeric(r.baseline) as number,
    current: fromNumeric(r.current) as number,
    worst: fromNumeric(r.worst) as number,
    lastSeenOn: r.last_seen_on,
    resolvedOn: r.resolved_on,
    reasons: r.reasons ?? [],
  };
}

/** Episodes for the `alerts` command, newest first. */
export async function listAlerts(
  db: Queryable,
  q: { status: 'open' | 'resolved' | 'all'; provinceCode?: string },
): Promise<AlertRow[]> {
  const r = await db.query(
    `select ${ALERT_COLUMNS} from alerts a join units u on u.id = a.unit_id
      where ($1 = 'all' or a.status = $1) and ($2::text is null or a.province_code = $2)
      order by a.opened_on desc, a.province_code, u.kind, u.code nulls last, u.name, a.grp, a.period_type`,
    [q.status, q.provinceCode?.toUpperCase() ?? null],
  );
  return r.rows.map(toAlertRow);
}

/** An event of one report date with its unit, as the digest shows it. */
export interface EventRow {
  readonly kind: DetectedEvent['kind'];
  readonly alertId: string | null;
  readonly unitId: string;
  readonly unitCode: string | null;
  readonly unitName: string;
  readonly unitKind: UnitKind;
  readonly group: ScoreGroup;
  readonly period: Period;
  readonly before: number | null;
  readonly after: number | null;
  readonly comparedOn: IsoDate | null;
  readonly gapDays: number | null;
  readonly detail: Readonly<Record<string, unknown>> & { reasons?: FallReason[] };
  /** For episode events: the episode's max score, baseline, worst and opening date. */
  readonly maxScore: number | null;
  readonly baseline: number | null;
  readonly worst: number | null;
  readonly openedOn: IsoDate | null;
}

/**
 * The columns {@link eventRowFrom} reads, for a query over `alert_events e` joined to
 * `units u` and (left) `alerts a`.
 */
export const EVENT_COLUMNS = `e.kind, e.alert_id::text, e.unit_id, u.code as unit_code, u.name as unit_name,
            u.kind as unit_kind, e.grp, e.period_type, e.period_year, e.period_number, e.before, e.after,
            e.compared_on::text, e.gap_days, e.detail, a.max_score, a.baseline, a.worst, a.opened_on::text`;

/** One row selected with {@link EVENT_COLUMNS}, numerics read as numbers (null stays null). */
// biome-ignore lint/suspicious/noExplicitAny: a pg row, its columns named by EVENT_COLUMNS
export function eventRowFrom(r: any): EventRow {
  return {
    kind: r.kind,
    alertId: r.alert_id,
    unitId: r.unit_id,
    unitCode: r.unit_code,
    unitName: r.unit_name,
    unitKind: r.unit_kind,
    group: r.grp,
    period: { type: r.period_type, year: Number(r.period_year), number: Number(r.period_number) },
    before: fromNumeric(r.before),
    after: fromNumeric(r.after),
    comparedOn: r.compared_on,
    gapDays: r.gap_days,
    detail: r.detail ?? {},
    maxScore: fromNumeric(r.max_score),
    baseline: fromNumeric(r.baseline),
    worst: fromNumeric(r.worst),
    openedOn: r.opened_on,
  };
}

/** Everything the digest of one report date needs. */
export interface DigestFacts {
  readonly province: UnitRef;
  readonly reportDate: IsoDate;
  readonly events: readonly EventRow[];
  /** Episodes open on the report date that had no event that day. */
  readonly stillOpen: readonly AlertRow[];
  readonly provinceTotal: { score: number | null; rank: number | null; rankOf: number | null } | null;
}

export async function loadDigestFacts(
  db: Queryable,
  province: UnitRef,
  provinceCode: string,
  reportDate: IsoDate,
): Promise<DigestFacts> {
  const ev = await db.query(
    `select ${EVENT_COLUMNS}
       from alert_events e join units u on u.id = e.unit_id left join alerts a on a.id = e.alert_id
      where e.province_code = $1 and e.report_date = $2
      order by (u.kind = 'province') desc, u.kind, u.code nulls last, u.name, e.grp, e.period_type, e.kind`,
    [provinceCode, reportDate],
  );
  const events: EventRow[] = ev.rows.map(eventRowFrom);
  const open = await db.query(
    `select ${ALERT_COLUMNS} from alerts a join units u on u.id = a.unit_id
      where a.province_code = $1 and a.opened_on < $2 and (a.resolved_on is null or a.resolved_on > $2)
        and not exists (select 1 from alert_events e where e.alert_id = a.id and e.report_date = $2)
      order by (u.kind = 'province') desc, u.kind, u.code nulls last, u.name, a.grp, a.period_type`,
    [provinceCode, reportDate],
  );
  const tot = await db.query(
    `select score, rank, rank_of from scores
      where unit_id = $1 and grp = 'TOTAL' and period_type = 'year' and report_date = $2
      order by period_year desc limit 1`,
    [province.id, reportDate],
  );
  const t = tot.rows[0];
  return {
    province,
    reportDate,
    events,
    stillOpen: open.rows.map(toAlertRow),
    provinceTotal: t ? { score: fromNumeric(t.score), rank: t.rank, rankOf: t.rank_of } : null,
  };
}
