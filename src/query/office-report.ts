/**
 * The office's report read from the store: the day's province table as an `OfficeReport`,
 * and with `compareWith` a second stored day to compare with:
 * - an ISO date: that day's report of the same period type;
 * - `previous`: the previous period of the same type (2025 for 2026, Q2 for Q3, M10 for M11)
 *   at the latest date it was stored;
 * - `last-year`: the same period a year earlier (2025 for 2026, 2025-M11 for 2026-M11) at
 *   the latest date it was stored (an imported year counts).
 * A comparison that finds nothing stored is bad input naming the flag, never a 0.
 */
import type { Config } from '../config.js';
import { type IsoDate, isIsoDate, type Period, type PeriodType, periodKey } from '../domain.js';
import { InputError } from '../errors.js';
import {
  buildOfficeReport,
  type OfficeReport,
  type OfficeReportHead,
  withComparison,
} from '../report/office-report.js';
import type { Queryable } from '../store/db.js';
import { parseDate } from './inputs.js';
import { buildProvinceReport, type ProvinceReport, type ReportFields } from './province-report.js';
import { readLatestDateOfPeriod } from './report.js';

export type CompareWith = { kind: 'date'; date: IsoDate } | { kind: 'previous' } | { kind: 'last-year' };

/** `--compare-with` / `compare`: a date, `previous` or `last-year`. */
export function parseCompareWith(value: string | undefined, field: string): CompareWith | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'previous') return { kind: 'previous' };
  if (v === 'last-year') return { kind: 'last-year' };
  if (isIsoDate(v)) return { kind: 'date', date: parseDate(v, field) as IsoDate };
  throw new InputError(field, `"${value}" is not a date YYYY-MM-DD, "previous" or "last-year"`);
}

export function previousPeriod(p: Period): Period {
  if (p.type === 'year') return { type: 'year', year: p.year - 1, number: 0 };
  const last = p.type === 'quarter' ? 4 : 12;
  return p.number > 1 ? { ...p, number: p.number - 1 } : { ...p, year: p.year - 1, number: last };
}

export function sameLastYear(p: Period): Period {
  return { ...p, year: p.year - 1 };
}

/** How the figures of a stored day came to be: an import marks its scores; else captured. */
export async function readProvenance(
  db: Queryable,
  provinceId: string,
  date: IsoDate,
  period: Period | null,
): Promise<Pick<OfficeReportHead, 'provenance' | 'importSha256' | 'importFile'>> {
  if (period === null) return { provenance: 'captured' };
  const res = await db.query<{ sha256: string; file_name: string }>(
    `select i.files -> 0 ->> 'sha256' as sha256, i.files -> 0 ->> 'name' as file_name from imports i
      where i.province_id = $1 and i.as_of = $2::date and i.period_type = $3
        and i.period_year = $4 and i.period_number = $5
      order by i.id desc limit 1`,
    [provinceId, date, period.type, period.year, period.number],
  );
  const row = res.rows[0];
  return row
    ? { provenance: 'imported', importSha256: row.sha256, importFile: row.file_name }
    : { provenance: 'captured' };
}

async function toOffice(
  db: Queryable,
  config: Pick<Config, 'classBands'>,
  built: ProvinceReport,
  periodType: PeriodType,
): Promise<OfficeReport> {
  const { input, table } = built;
  const head: OfficeReportHead = {
    provinceCode: built.province.code,
    provinceName: table.province.name,
    date: input.date,
    periodType,
    period: input.period,
    ...(await readProvenance(db, built.province.id, input.date, input.period)),
  };
  return buildOfficeReport(head, table, config.classBands);
}

export interface OfficeReportRequest {
  readonly province?: string;
  readonly date?: IsoDate;
  readonly periodType: PeriodType;
  readonly compareWith?: CompareWith;
  readonly fields: ReportFields & { readonly compareWith: string };
}

export async function readOfficeReport(
  db: Queryable,
  config: Pick<Config, 'classBands' | 'provinces'>,
  req: OfficeReportRequest,
): Promise<OfficeReport> {
  const built = await buildProvinceReport(db, config, {
    province: req.province,
    date: req.date,
    periodType: req.periodType,
    fields: req.fields,
  });
  const now = await toOffice(db, config, built, req.periodType);
  const cw = req.compareWith;
  if (!cw) return now;
  const field = req.fields.compareWith;
  let date: IsoDate;
  let period: Period | undefined;
  if (cw.kind === 'date') {
    date = cw.date;
  } else {
    if (!built.input.period) throw new InputError(field, 'the report has no period to compare with');
    period = cw.kind === 'previous' ? previousPeriod(built.input.period) : sameLastYear(built.input.period);
    const found = await readLatestDateOfPeriod(db, built.province.id, period);
    if (!found) {
      throw new InputError(
        field,
        `nothing stored for ${built.province.code ?? built.province.name} in the period ${periodKey(period)} ` +
          `(${cw.kind}); capture it, or import the office's table with \`dvc-index import --period ${periodKey(period)}\``,
      );
    }
    date = found;
  }
  const before = await buildProvinceReport(db, config, {
    province: built.province.code ?? built.province.id,
    date,
    periodType: req.periodType,
    period,
    fields: { province: req.fields.province, date: field },
  });
  return withComparison(now, await toOffice(db, config, before, req.periodType));
}
