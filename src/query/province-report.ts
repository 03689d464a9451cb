/**
 * The province report as the faces serve it: resolve the province and the date (default:
 * the latest with data), read the scores, build the province table, find the falls.
 */
import type { Config } from '../config.js';
import { type IsoDate, type Period, type PeriodType, periodKey } from '../domain.js';
import { InputError } from '../errors.js';
import { type ProvinceTable, toProvinceTable } from '../report/province-table.js';
import type { Queryable } from '../store/db.js';
import { type FallReport, readFalls } from './falls.js';
import { type ProvinceReportInput, readLatestReportDate, readProvinceReport } from './report.js';
import { defaultProvinceCode, resolveProvince, type UnitRow } from './units.js';

export interface ProvinceReport {
  readonly province: UnitRow;
  readonly input: ProvinceReportInput;
  readonly table: ProvinceTable;
}

/** Fields named as the face spells them (`--date` / `date`). */
export interface ReportFields {
  readonly province: string;
  readonly date: string;
}

export async function buildProvinceReport(
  db: Queryable,
  config: Pick<Config, 'classBands' | 'provinces'>,
  opts: {
    province?: string;
    date?: IsoDate;
    periodType: PeriodType;
    /** That period exactly (default: the period of the date, else the latest stored on it). */
    period?: Period;
    fields: ReportFields;
  },
): Promise<ProvinceReport> {
  const code = opts.province ?? (await defaultProvinceCode(db, config.provinces));
  const province = await resolveProvince(db, code, opts.fields.province);
  let date = opts.date;
  if (date === undefined) {
    const latest = await readLatestReportDate(db, province.id, opts.periodType);
    if (!latest) {
      throw new InputError(
        opts.fields.province,
        `no ${opts.periodType} scores stored for ${province.code ?? province.name} yet; run \`dvc-index collect\` first`,
      );
    }
    date = latest;
  }
  const input = await readProvinceReport(db, {
    provinceId: province.id,
    date,
    periodType: opts.periodType,
    period: opts.period,
  });
  if (input.period === null) {
    const latest = await readLatestReportDate(db, province.id, opts.periodType, date);
    throw new InputError(
      opts.fields.date,
      `no ${opts.period ? periodKey(opts.period) : opts.periodType} scores stored for ${province.code ?? province.name} on ${date}` +
        (latest ? `; the latest date before it with data is ${latest}` : ''),
    );
  }
  return { province, input, table: toProvinceTable(input, config) };
}

export async function readReportFalls(
  db: Queryable,
  config: Pick<Config, 'alertGroups'>,
  report: ProvinceReport,
  periodType: PeriodType,
): Promise<FallReport> {
  return readFalls(db, {
    provinceCode: report.province.code ?? '',
    report: report.input,
    periodType,
    groups: config.alertGroups,
  });
}
