/**
 * Column sets shared by the CLI (`--format table|csv`) and the HTTP CSV export, so Excel
 * gets the same headers either way. Vietnamese headers; a null is an empty cell, never 0;
 * the period and each group's max score sit in their own columns.
 */
import type { Column } from '../cli/format.js';
import { fmtScore } from '../cli/format.js';
import {
  GROUP_CODES,
  GROUP_LABELS,
  type GroupCode,
  type IsoDate,
  type Period,
  type PeriodType,
  periodKey,
  type ScoreGroup,
} from '../domain.js';
import type { ProvinceTable } from '../report/province-table.js';
import type { HistoryPoint } from './history.js';
import type { UnitRow } from './units.js';

export const KIND_LABELS: Readonly<Record<string, string>> = {
  province: 'Tỉnh',
  agency: 'Sở, ban, ngành',
  commune: 'Xã, phường',
};

export const PERIOD_LABELS: Readonly<Record<string, string>> = {
  year: 'Năm',
  quarter: 'Quý',
  month: 'Tháng',
};

export const UNIT_COLUMNS: readonly Column<UnitRow>[] = [
  { header: 'Mã', value: (u) => u.code },
  { header: 'Tên đơn vị', value: (u) => u.name },
  { header: 'Loại', value: (u) => KIND_LABELS[u.kind] ?? u.kind },
  { header: 'Tỉnh', value: (u) => u.provinceCode },
  { header: 'Lần đầu', value: (u) => u.firstSeen },
  { header: 'Lần cuối', value: (u) => u.lastSeen },
  { header: 'departmentId', value: (u) => u.id },
];

/** A history point with its unit, for exports that hold several units. */
export interface UnitPoint {
  readonly unit: Pick<UnitRow, 'id' | 'code' | 'name'>;
  readonly point: HistoryPoint;
}

/** CSV: one row per unit-date; score and max of each group in columns, empty when absent. */
export function historyCsvColumns(groups: readonly ScoreGroup[]): Column<UnitPoint>[] {
  const cols: Column<UnitPoint>[] = [
    { header: 'Ngày báo cáo', value: (r) => r.point.date },
    { header: 'Mã đơn vị', value: (r) => r.unit.code },
    { header: 'Tên đơn vị', value: (r) => r.unit.name },
    { header: 'Loại kỳ', value: (r) => PERIOD_LABELS[r.point.period.type] ?? r.point.period.type },
    { header: 'Kỳ', value: (r) => r.point.period.key },
  ];
  for (const g of groups) {
    cols.push(
      { header: `${GROUP_LABELS[g]} (${g})`, value: (r) => fmtScore(r.point.groups[g]?.score) },
      { header: `${g} tối đa`, value: (r) => fmtScore(r.point.groups[g]?.max) },
    );
  }
  if (groups.includes('TOTAL')) {
    cols.push(
      { header: 'Xếp hạng', value: (r) => r.point.groups.TOTAL?.rank ?? null },
      { header: 'Trong số', value: (r) => r.point.groups.TOTAL?.rankOf ?? null },
    );
  }
  cols.push({ header: 'departmentId', value: (r) => r.unit.id });
  cols.push({ header: 'Nguồn', value: (r) => (r.point.imported ? 'nhập từ tệp' : 'cổng') });
  return cols;
}

/** Text table: one line per date; `score/max` per group so a formula change shows. */
export function historyTableColumns(groups: readonly ScoreGroup[]): Column<HistoryPoint>[] {
  const cols: Column<HistoryPoint>[] = [
    { header: 'Ngày', value: (p) => p.date },
    { header: 'Kỳ', value: (p) => (p.imported ? `${p.period.key} (nhập)` : p.period.key) },
  ];
  if (groups.length === 1) {
    const g = groups[0]!;
    cols.push(
      { header: `${GROUP_LABELS[g]} (${g})`, value: (p) => fmtScore(p.groups[g]?.score), align: 'right' },
      { header: 'Tối đa', value: (p) => fmtScore(p.groups[g]?.max), align: 'right' },
      {
        header: 'Hạng',
        value: (p) => {
          const v = p.groups[g];
          return v?.rank == null ? null : `${v.rank}/${v.rankOf ?? '?'}`;
        },
        align: 'right',
      },
    );
    return cols;
  }
  for (const g of groups) {
    cols.push({
      header: g,
      value: (p) => {
        const v = p.groups[g];
        if (!v || v.score === null) return null;
        return `${fmtScore(v.score)}/${fmtScore(v.max) ?? '?'}`;
      },
      align: 'right',
    });
  }
  return cols;
}

/** A province table row flattened for the report CSV. */
export interface ReportCsvRow {
  readonly level: string;
  readonly rank: number | null;
  readonly rankOf: number | null;
  readonly id: string;
  readonly code: string | null;
  readonly name: string;
  readonly total: number | null;
  readonly classification: string | null;
  readonly groups: Readonly<
    Record<GroupCode, { readonly score: number | null; readonly max: number | null }>
  >;
}

/**
 * Report CSV: one row per unit for the report date (province, agencies, communes), the date
 * and period in columns, each group's score and max; a unit without a score has empty cells
 * and "chưa đánh giá" as its classification.
 */
export function reportCsvRows(table: ProvinceTable): ReportCsvRow[] {
  const p = table.province;
  const rows: ReportCsvRow[] = [{ level: KIND_LABELS.province!, ...pick(p), rank: p.rank, rankOf: p.rankOf }];
  for (const [list, level] of [
    [table.agencies, KIND_LABELS.agency!],
    [table.communes, KIND_LABELS.commune!],
  ] as const) {
    const ranked = list.filter((r) => r.rank !== null).length;
    for (const r of list) rows.push({ level, ...pick(r), rank: r.rank, rankOf: ranked });
  }
  return rows;
}

function pick(r: ProvinceTable['agencies'][number] | ProvinceTable['province']) {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    total: r.total,
    classification: r.classification,
    groups: r.groups,
  };
}

const NOT_EVALUATED = 'chưa đánh giá';

export function reportCsvColumns(
  date: IsoDate,
  period: Period | null,
  periodType: PeriodType,
): Column<ReportCsvRow>[] {
  const evaluated = (r: ReportCsvRow) =>
    r.total !== null || GROUP_CODES.some((g) => r.groups[g].score !== null);
  return [
    { header: 'Ngày báo cáo', value: () => date },
    { header: 'Loại kỳ', value: () => PERIOD_LABELS[periodType] ?? periodType },
    { header: 'Kỳ', value: () => (period ? periodKey(period) : null) },
    { header: 'Cấp', value: (r) => r.level },
    { header: 'Mã', value: (r) => r.code },
    { header: 'Đơn vị', value: (r) => r.name },
    { header: 'Tổng điểm', value: (r) => fmtScore(r.total) },
    { header: 'Xếp hạng', value: (r) => r.rank },
    { header: 'Trong số', value: (r) => (r.rank === null ? null : r.rankOf) },
    { header: 'Xếp loại', value: (r) => (evaluated(r) ? r.classification : NOT_EVALUATED) },
    ...GROUP_CODES.flatMap((g): Column<ReportCsvRow>[] => [
      { header: `${GROUP_LABELS[g]} (${g})`, value: (r) => fmtScore(r.groups[g].score) },
      { header: `${g} tối đa`, value: (r) => fmtScore(r.groups[g].max) },
    ]),
    { header: 'departmentId', value: (r) => r.id },
  ];
}
