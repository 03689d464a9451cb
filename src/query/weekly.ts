/**
 * What the weekly follow-up mail says, read from the store for one province and a reference
 * report date (the latest with the province's year TOTAL on or before the day it is sent),
 * compared with the latest report date at least 7 days earlier:
 * - the lowest units in TTTT and MDSH (year period) with their week's change and gap to target;
 * - the episodes open on the date and opened more than 7 days before it;
 * - the units whose classification (by year TOTAL) changed between the two dates;
 * - the province's total and rank on both dates;
 * - the week's minor falls (for ALERT_MINOR=weekly).
 * A missing value stays null (never 0); a unit without a score on a date is not compared.
 */
import { addDays, fromNumeric, type IsoDate, type UnitKind } from '../domain.js';
import type { AlertRow, EventRow, UnitRef } from '../store/alerts.js';
import { EVENT_COLUMNS, eventRowFrom, listAlerts } from '../store/alerts.js';
import type { Queryable } from '../store/db.js';

export const WEEKLY_GROUPS = ['TTTT', 'MDSH'] as const;
export type WeeklyGroup = (typeof WEEKLY_GROUPS)[number];

export interface WeeklyUnitScore {
  readonly unitId: string;
  readonly unitCode: string | null;
  readonly unitName: string;
  readonly unitKind: UnitKind;
  readonly score: number;
  readonly maxScore: number | null;
  /** The score on the comparison date (null: none stored then). */
  readonly previous: number | null;
}

export interface WeeklyTotal {
  readonly score: number | null;
  readonly rank: number | null;
  readonly rankOf: number | null;
}

export interface WeeklyFacts {
  readonly province: UnitRef;
  readonly date: IsoDate;
  /** The latest report date ≤ date − 7 (null: less than a week of history). */
  readonly previousDate: IsoDate | null;
  readonly year: number;
  readonly provinceNow: WeeklyTotal | null;
  readonly provincePrevious: WeeklyTotal | null;
  /** Every scored agency and commune per group, lowest first (the renderer takes the first N). */
  readonly lowest: Readonly<Record<WeeklyGroup, readonly WeeklyUnitScore[]>>;
  /** Episodes open on `date` that opened 7 or more days before it, oldest first. */
  readonly longOpen: readonly AlertRow[];
  /** Units whose year TOTAL is on both dates (the renderer classifies them). */
  readonly totals: readonly (Omit<WeeklyUnitScore, 'maxScore'> & { previous: number })[];
  /** Falls (opened/worsened) with report dates in (previousDate, date]. */
  readonly falls: readonly EventRow[];
}

/** The latest report date with the province's year TOTAL on or before `onOrBefore`. */
export async function weeklyReferenceDate(
  db: Queryable,
  provinceId: string,
  onOrBefore: IsoDate,
): Promise<IsoDate | null> {
  const r = await db.query<{ d: string | null }>(
    `select max(report_date)::text as d from scores
      where unit_id = $1 and grp = 'TOTAL' and period_type = 'year' and report_date <= $2`,
    [provinceId, onOrBefore],
  );
  return r.rows[0]?.d ?? null;
}

export async function loadWeeklyFacts(
  db: Queryable,
  province: UnitRef,
  provinceCode: string,
  date: IsoDate,
): Promise<WeeklyFacts> {
  const year = Number(date.slice(0, 4));
  const previousDate = await weeklyReferenceDate(db, province.id, addDays(date, -7));
  const prevForYear =
    previousDate !== null && Number(previousDate.slice(0, 4)) === year ? previousDate : null;
  const scores = await db.query(
    `select u.id, u.code, u.name, u.kind, s.grp, s.report_date::text as d, s.score, s.max_score, s.rank, s.rank_of
       from units u join scores s on s.unit_id = u.id
      where (u.id = $1 or u.province_id = $1) and s.grp = any($2) and s.period_type = 'year'
        and s.period_year = $3 and s.report_date = any($4::date[])`,
    [province.id, ['TOTAL', ...WEEKLY_GROUPS], year, prevForYear ? [date, prevForYear] : [date]],
  );
  const at = new Map<
    string,
    { score: number | null; max: number | null; rank: number | null; rankOf: number | null }
  >();
  const units = new Map<string, { id: string; code: string | null; name: string; kind: UnitKind }>();
  for (const r of scores.rows) {
    units.set(r.id, { id: r.id, code: r.code, name: r.name, kind: r.kind });
    at.set(`${r.id}|${r.grp}|${r.d}`, {
      score: fromNumeric(r.score),
      max: fromNumeric(r.max_score),
      rank: r.rank,
      rankOf: r.rank_of,
    });
  }
  const get = (id: string, g: string, d: IsoDate | null) =>
    d === null ? undefined : at.get(`${id}|${g}|${d}`);
  const collator = new Intl.Collator('vi');
  const others = [...units.values()].filter((u) => u.kind !== 'province');
  const lowestOf = (g: WeeklyGroup): WeeklyUnitScore[] =>
    others
      .flatMap((u) => {
        const now = get(u.id, g, date);
        if (!now || now.score === null) return [];
        return [
          {
            unitId: u.id,
            unitCode: u.code,
            unitName: u.name,
            unitKind: u.kind,
            score: now.score,
            maxScore: now.max,
            previous: get(u.id, g, prevForYear)?.score ?? null,
          },
        ];
      })
      .sort((a, b) => a.score - b.score || collator.compare(a.unitName, b.unitName));
  const totals = [...units.values()].flatMap((u) => {
    const now = get(u.id, 'TOTAL', date)?.score ?? null;
    const prev = get(u.id, 'TOTAL', prevForYear)?.score ?? null;
    if (now === null || prev === null) return [];
    return [
      { unitId: u.id, unitCode: u.code, unitName: u.name, unitKind: u.kind, score: now, previous: prev },
    ];
  });
  const total = (d: IsoDate | null): WeeklyTotal | null => {
    const t = get(province.id, 'TOTAL', d);
    return t ? { score: t.score, rank: t.rank, rankOf: t.rankOf } : null;
  };
  const open = await listAlerts(db, { status: 'all', provinceCode });
  const longOpen = open
    .filter(
      (a) =>
        a.openedOn <= addDays(date, -7) &&
        (a.resolvedOn === null || a.resolvedOn > date) &&
        a.period.type === 'year',
    )
    .sort((a, b) => (a.openedOn < b.openedOn ? -1 : a.openedOn > b.openedOn ? 1 : 0));
  const ev = await db.query(
    `select ${EVENT_COLUMNS}, e.report_date::text as d
       from alert_events e join units u on u.id = e.unit_id left join alerts a on a.id = e.alert_id
      where e.province_code = $1 and e.kind in ('opened', 'worsened') and e.report_date <= $2
        and e.report_date > $3
      order by e.report_date, u.code nulls last, u.name, e.grp`,
    [provinceCode, date, previousDate ?? addDays(date, -7)],
  );
  const falls: EventRow[] = ev.rows.map((r) => {
    const row = eventRowFrom(r);
    return { ...row, detail: { ...row.detail, reportDate: r.d } };
  });
  return {
    province,
    date,
    previousDate: prevForYear,
    year,
    provinceNow: total(date),
    provincePrevious: total(prevForYear),
    lowest: { TTTT: lowestOf('TTTT'), MDSH: lowestOf('MDSH') },
    longOpen,
    totals,
    falls,
  };
}
