/**
 * The appendix columns (Appendix I agencies, Appendix II communes), one list for the XLSX
 * and the DOCX: STT, name, the six groups with their maxima, total, classification. A new
 * column (a target mark, a delta) is one more entry here — or passed to the writers as
 * `extraColumns`.
 */
import { GROUP_CODES, GROUP_MAX, type GroupCode } from '../domain.js';
import type { OfficeReport } from './office-report.js';
import { NOT_EVALUATED } from './office-text.js';
import type { UnitRow } from './province-table.js';

export interface AppendixContext {
  readonly report: OfficeReport;
  /** The list's maximum for each group (the maximum stored most often; QĐ766's otherwise). */
  readonly max: Readonly<Record<GroupCode, number>>;
}

export interface AppendixColumn {
  readonly key: string;
  readonly header: (ctx: AppendixContext) => string;
  /** `score`: a real number with two decimals; `int`: a whole number; `text`. */
  readonly kind: 'score' | 'int' | 'text';
  /** Column width in the XLSX (characters) and relative width in the DOCX. */
  readonly width: number;
  /** null is "no figure": an empty XLSX cell, "–" in the DOCX, never 0. */
  readonly value: (row: UnitRow, index: number, ctx: AppendixContext) => number | string | null;
}

/** The office's short names for the group columns. */
export const GROUP_SHORT: Readonly<Record<GroupCode, string>> = {
  CKMB: 'CKMB',
  TDGQ: 'TDGQ',
  CLGQ: 'CLGQ',
  TTTT: 'TTTT',
  MDSH: 'MDSH',
  MDHL: 'MDHL',
};

export const APPENDIX_COLUMNS: readonly AppendixColumn[] = [
  { key: 'stt', header: () => 'STT', kind: 'int', width: 6, value: (_r, i) => i + 1 },
  { key: 'name', header: () => 'Tên đơn vị', kind: 'text', width: 44, value: (r) => r.name },
  ...GROUP_CODES.map(
    (g): AppendixColumn => ({
      key: g,
      header: (ctx) => `${GROUP_SHORT[g]} (${fmtMax(ctx.max[g])}đ)`,
      kind: 'score',
      width: 11,
      value: (r) => r.groups[g].score,
    }),
  ),
  { key: 'total', header: () => 'Tổng điểm (100đ)', kind: 'score', width: 14, value: (r) => r.total },
  {
    key: 'classification',
    header: () => 'Xếp loại',
    kind: 'text',
    width: 16,
    value: (r) => (r.total === null ? NOT_EVALUATED : r.classification),
  },
];

/** 18 → "18", 12.5 → "12,5". */
export function fmtMax(n: number): string {
  return String(n).replace('.', ',');
}

/** The maximum of each group in a list: the one stored most often (QĐ766's when none is). */
export function listMax(rows: readonly UnitRow[]): Record<GroupCode, number> {
  const out = {} as Record<GroupCode, number>;
  for (const g of GROUP_CODES) {
    const counts = new Map<number, number>();
    for (const r of rows) {
      const m = r.groups[g].max;
      if (m !== null) counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0];
    out[g] = best ? best[0] : GROUP_MAX[g];
  }
  return out;
}

export function appendixColumns(extra: readonly AppendixColumn[] = []): AppendixColumn[] {
  return [...APPENDIX_COLUMNS, ...extra];
}
