/**
 * The office's report on the index, as data: what the XLSX and DOCX writers lay out. It is
 * built from one stored day (a `ProvinceTable`) and, with `--compare-with`, a second one:
 *
 * - I.1 the province: total /100, classification, rank n/34 and the groups as rows, where
 *   "Dịch vụ trực tuyến" (/22) is CLGQ (12) + TTTT (10) added together;
 * - I.2 the units: for agencies and for communes, how many were evaluated out of how many,
 *   the ones not evaluated by name, and the count per classification with the names;
 * - Appendix I (agencies) and II (communes): one row per unit by total descending, in the
 *   columns of {@link APPENDIX_COLUMNS} (a list, so later work can add one);
 * - the comparison: deltas per group and total, rank change, units whose classification changed.
 *
 * Every figure is a stored one; a missing one stays `null` and the writers say "chưa có số
 * liệu", never 0.
 */
import type { ClassBand } from '../config.js';
import {
  GROUP_CODES,
  GROUP_MAX,
  type GroupCode,
  type IsoDate,
  type Period,
  type PeriodType,
} from '../domain.js';
import type { ProvinceRow, ProvinceTable, TableGroups, UnitRow } from './province-table.js';

/** The rows of I.1: the five groups as the office writes them (CLGQ and TTTT together). */
export type SummaryKey = 'CKMB' | 'TDGQ' | 'DVTT' | 'MDSH' | 'MDHL';
export const SUMMARY_ROWS: readonly { key: SummaryKey; label: string; parts: readonly GroupCode[] }[] = [
  { key: 'CKMB', label: 'Công khai, minh bạch', parts: ['CKMB'] },
  { key: 'TDGQ', label: 'Tiến độ giải quyết', parts: ['TDGQ'] },
  { key: 'DVTT', label: 'Dịch vụ trực tuyến', parts: ['CLGQ', 'TTTT'] },
  { key: 'MDSH', label: 'Số hóa hồ sơ', parts: ['MDSH'] },
  { key: 'MDHL', label: 'Mức độ hài lòng', parts: ['MDHL'] },
];

export interface SummaryRow {
  readonly key: SummaryKey;
  readonly label: string;
  readonly parts: readonly GroupCode[];
  /** The sum of the parts' scores (in hundredths, exactly); null when any part has none. */
  readonly score: number | null;
  /** The sum of the parts' maxima as stored (the QĐ766 one where none is stored). */
  readonly max: number;
  /** Each part's own score, for the "CLGQ 10,50 + TTTT 8,20" note. */
  readonly partScores: readonly { group: GroupCode; score: number | null; max: number }[];
}

export type UnitKindPlural = 'agencies' | 'communes';

export interface ClassCount {
  readonly label: string;
  readonly names: readonly string[];
}

/** I.2 for one list. */
export interface UnitSection {
  readonly kind: UnitKindPlural;
  /** "cơ quan" / "xã, phường" — what the sentence counts. */
  readonly noun: string;
  readonly count: number;
  readonly evaluated: number;
  readonly notEvaluated: readonly string[];
  /** Every configured band, highest first, even an empty one (the sentence says "không có"). */
  readonly byClass: readonly ClassCount[];
}

export interface OfficeReportHead {
  readonly provinceCode: string | null;
  readonly provinceName: string;
  readonly date: IsoDate;
  readonly periodType: PeriodType;
  readonly period: Period | null;
  /** How the figures came to be stored: captured from the portal, or imported from a file. */
  readonly provenance: 'captured' | 'imported';
  /** For an imported day: the file's SHA-256 and name. */
  readonly importSha256?: string | null;
  readonly importFile?: string | null;
}

export interface GroupDelta {
  readonly key: SummaryKey | 'TOTAL';
  readonly label: string;
  readonly before: number | null;
  readonly after: number | null;
  /** after − before in points (exact hundredths); null when either side has no figure. */
  readonly delta: number | null;
}

export interface ClassChange {
  readonly kind: UnitKindPlural;
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

export interface Comparison {
  readonly against: OfficeReportHead;
  readonly groups: readonly GroupDelta[];
  readonly total: GroupDelta;
  readonly rankBefore: number | null;
  readonly rankAfter: number | null;
  readonly rankOf: number | null;
  readonly classBefore: string | null;
  readonly classAfter: string | null;
  readonly up: readonly ClassChange[];
  readonly down: readonly ClassChange[];
  /** Units in one report and not the other (joined, merged, renamed) — named, not compared. */
  readonly onlyNow: readonly string[];
  readonly onlyBefore: readonly string[];
}

export interface OfficeReport {
  readonly head: OfficeReportHead;
  readonly classBands: readonly ClassBand[];
  readonly province: ProvinceRow;
  readonly summary: readonly SummaryRow[];
  readonly agencies: readonly UnitRow[];
  readonly communes: readonly UnitRow[];
  readonly sections: { readonly agencies: UnitSection; readonly communes: UnitSection };
  readonly comparison: Comparison | null;
}

function cents(v: number): number {
  return Math.round(v * 100);
}

/** Sum of scores in exact hundredths; null when any is null. */
export function sumScores(values: readonly (number | null)[]): number | null {
  let c = 0;
  for (const v of values) {
    if (v === null) return null;
    c += cents(v);
  }
  return c / 100;
}

export function summaryRows(groups: TableGroups): SummaryRow[] {
  return SUMMARY_ROWS.map((r) => {
    const partScores = r.parts.map((g) => ({
      group: g,
      score: groups[g].score,
      max: groups[g].max ?? GROUP_MAX[g],
    }));
    return {
      key: r.key,
      label: r.label,
      parts: r.parts,
      score: sumScores(partScores.map((p) => p.score)),
      max: sumScores(partScores.map((p) => p.max)) ?? 0,
      partScores,
    };
  });
}

export function isEvaluated(r: { total: number | null; groups: TableGroups }): boolean {
  return r.total !== null || GROUP_CODES.some((g) => r.groups[g].score !== null);
}

function section(kind: UnitKindPlural, rows: readonly UnitRow[], bands: readonly ClassBand[]): UnitSection {
  // "evaluated" means it has a total: a unit with no dossiers has none (footnote).
  const withTotal = rows.filter((r) => r.total !== null);
  return {
    kind,
    noun: kind === 'agencies' ? 'cơ quan' : 'xã, phường',
    count: rows.length,
    evaluated: withTotal.length,
    notEvaluated: rows.filter((r) => r.total === null).map((r) => r.name),
    byClass: bands.map((b) => ({
      label: b.label,
      names: withTotal.filter((r) => r.classification === b.label).map((r) => r.name),
    })),
  };
}

/**
 * The name as the office writes it: the portal's " - tỉnh Điện Biên" suffix dropped when it
 * is the report's own province ("Sở Y tế - tỉnh Điện Biên" → "Sở Y tế").
 */
export function officeName(name: string, provinceName: string): string {
  const place = provinceName
    .normalize('NFC')
    .replace(/^(UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+/iu, '')
    .replace(/^tỉnh\s+/iu, '')
    .trim();
  if (place === '') return name;
  const m = /^(.*\S)\s*[-–—]\s*tỉnh\s+(.+)$/iu.exec(name.normalize('NFC'));
  return m && m[2]!.trim().toLocaleLowerCase('vi') === place.toLocaleLowerCase('vi') ? m[1]! : name;
}

/** The report of one stored day, without comparison. */
export function buildOfficeReport(
  head: OfficeReportHead,
  rawTable: ProvinceTable,
  classBands: readonly ClassBand[],
): OfficeReport {
  const short = (r: UnitRow): UnitRow => ({ ...r, name: officeName(r.name, rawTable.province.name) });
  const table = {
    ...rawTable,
    agencies: rawTable.agencies.map(short),
    communes: rawTable.communes.map(short),
  };
  return {
    head,
    classBands,
    province: table.province,
    summary: summaryRows(table.province.groups),
    agencies: table.agencies,
    communes: table.communes,
    sections: {
      agencies: section('agencies', table.agencies, classBands),
      communes: section('communes', table.communes, classBands),
    },
    comparison: null,
  };
}

function delta(before: number | null, after: number | null): number | null {
  return before === null || after === null ? null : (cents(after) - cents(before)) / 100;
}

/** Where a band sits (0 = best); unknown labels last. */
function bandIndex(bands: readonly ClassBand[], label: string): number {
  const i = bands.findIndex((b) => b.label === label);
  return i < 0 ? bands.length : i;
}

/** Compare `now` with an earlier (or any other) report of the same province. */
export function compareReports(now: OfficeReport, before: OfficeReport): Comparison {
  const groups = now.summary.map((r, i) => {
    const b = before.summary[i]!;
    return { key: r.key, label: r.label, before: b.score, after: r.score, delta: delta(b.score, r.score) };
  });
  const total: GroupDelta = {
    key: 'TOTAL',
    label: 'Tổng điểm',
    before: before.province.total,
    after: now.province.total,
    delta: delta(before.province.total, now.province.total),
  };
  const up: ClassChange[] = [];
  const down: ClassChange[] = [];
  const onlyNow: string[] = [];
  const onlyBefore: string[] = [];
  for (const kind of ['agencies', 'communes'] as const) {
    const prev = new Map(before[kind].map((r) => [r.id, r]));
    const seen = new Set<string>();
    for (const r of now[kind]) {
      const p = prev.get(r.id);
      seen.add(r.id);
      if (!p) {
        onlyNow.push(r.name);
        continue;
      }
      const from = p.total === null ? null : p.classification;
      const to = r.total === null ? null : r.classification;
      if (from === null || to === null || from === to) continue;
      const change = { kind, name: r.name, from, to };
      if (bandIndex(now.classBands, to) < bandIndex(now.classBands, from)) up.push(change);
      else down.push(change);
    }
    for (const p of before[kind]) if (!seen.has(p.id)) onlyBefore.push(p.name);
  }
  return {
    against: before.head,
    groups,
    total,
    rankBefore: before.province.rank,
    rankAfter: now.province.rank,
    rankOf: now.province.rankOf ?? before.province.rankOf,
    classBefore: before.province.classification,
    classAfter: now.province.classification,
    up,
    down,
    onlyNow,
    onlyBefore,
  };
}

export function withComparison(now: OfficeReport, before: OfficeReport): OfficeReport {
  return { ...now, comparison: compareReports(now, before) };
}
