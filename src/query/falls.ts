/**
 * Falls to mark on the province overview. When detect has processed the date, its alert
 * events and open episodes are the truth; otherwise a plain day-over-day comparison with
 * the previous stored date stands in (same period, same max score, both values present).
 */
import { type GroupCode, type IsoDate, type PeriodType, toCents } from '../domain.js';
import type { ScoreObservation } from '../source/types.js';
import type { Queryable } from '../store/db.js';
import { type FallMark, hasAlertTables, readAlertFalls } from './alerts.js';
import { type ProvinceReportInput, readPreviousReportDate, readProvinceReport } from './report.js';

/** Pure: decreases of at least one hundredth in `groups` between two reports of the same period. */
export function compareDays(
  current: ProvinceReportInput,
  previous: ProvinceReportInput,
  groups: readonly GroupCode[],
): FallMark[] {
  const p = previous.period;
  const c = current.period;
  if (!p || !c || p.type !== c.type || p.year !== c.year || p.number !== c.number) return [];
  const before = new Map<string, ScoreObservation>();
  for (const s of previous.scores) before.set(`${s.unitId}/${s.group}`, s);
  const out: FallMark[] = [];
  for (const s of current.scores) {
    if (!(groups as readonly string[]).includes(s.group)) continue;
    const b = before.get(`${s.unitId}/${s.group}`);
    if (!b || b.score === null || s.score === null || toCents(b.maxScore) !== toCents(s.maxScore)) continue;
    if ((toCents(s.score) ?? 0) < (toCents(b.score) ?? 0)) {
      out.push({
        unitId: s.unitId,
        group: s.group as GroupCode,
        before: b.score,
        after: s.score,
        source: 'day-over-day',
        kind: 'decrease',
        comparedOn: previous.date,
      });
    }
  }
  return out;
}

async function detectedOn(db: Queryable, provinceCode: string, date: IsoDate): Promise<boolean> {
  const res = await db.query(
    `select 1 from alert_detections where province_code = upper($1) and report_date = $2::date`,
    [provinceCode, date],
  );
  return (res.rowCount ?? 0) > 0;
}

export interface FallReport {
  readonly source: 'alerts' | 'day-over-day';
  /** The date compared with (day-over-day only). */
  readonly comparedOn: IsoDate | null;
  readonly items: FallMark[];
}

/** Falls on `report.date` for the province (see the module comment for the source). */
export async function readFalls(
  db: Queryable,
  opts: {
    provinceCode: string;
    report: ProvinceReportInput;
    periodType: PeriodType;
    groups: readonly GroupCode[];
  },
): Promise<FallReport> {
  const { report } = opts;
  if ((await hasAlertTables(db)) && (await detectedOn(db, opts.provinceCode, report.date))) {
    const falls = await readAlertFalls(db, {
      provinceCode: opts.provinceCode,
      date: report.date,
      periodType: opts.periodType,
    });
    return {
      source: 'alerts',
      comparedOn: null,
      items: (falls ?? []).filter((f) => opts.groups.includes(f.group)),
    };
  }
  const prevDate = await readPreviousReportDate(db, report.provinceId, report.date, opts.periodType);
  if (!prevDate) return { source: 'day-over-day', comparedOn: null, items: [] };
  const previous = await readProvinceReport(db, {
    provinceId: report.provinceId,
    date: prevDate,
    periodType: opts.periodType,
  });
  return { source: 'day-over-day', comparedOn: prevDate, items: compareDays(report, previous, opts.groups) };
}
