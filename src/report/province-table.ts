/**
 * The province table: what `probe` prints and `report` will print, and a contract — its JSON
 * is exactly
 * `{province:{id,code,name,total,rank,rankOf,classification,groups}, agencies:[{id,code,name,
 * total,rank,classification,groups}], communes:[…]}` with `groups` keyed CKMB TDGQ CLGQ TTTT
 * MDSH MDHL, each `{score,max}`. A unit without a score has `total: null` and
 * `classification: null`, never 0.
 */

import { type Column, fmtScore, renderTable, toCsv, toJsonText } from '../cli/format.js';
import { type Config, classify } from '../config.js';
import { GROUP_CODES, GROUP_LABELS, GROUP_MAX, type GroupCode } from '../domain.js';
import { competitionRanks } from '../source/parse-fields.js';
import type { ScoreObservation, UnitObservation } from '../source/types.js';
import { escapeControlChars } from '../text.js';

export interface GroupCell {
  readonly score: number | null;
  readonly max: number | null;
}
export type TableGroups = Readonly<Record<GroupCode, GroupCell>>;

export interface UnitRow {
  readonly id: string;
  readonly code: string | null;
  readonly name: string;
  readonly total: number | null;
  /** Rank within its own list (agencies, or communes) by total; null without a total. */
  readonly rank: number | null;
  readonly classification: string | null;
  readonly groups: TableGroups;
}

export interface ProvinceRow {
  readonly id: string;
  readonly code: string | null;
  readonly name: string;
  readonly total: number | null;
  /** Rank among the provinces of the national list (null when that list was not available). */
  readonly rank: number | null;
  readonly rankOf: number | null;
  readonly classification: string | null;
  readonly groups: TableGroups;
}

export interface ProvinceTable {
  readonly province: ProvinceRow;
  readonly agencies: readonly UnitRow[];
  readonly communes: readonly UnitRow[];
}

export interface ProvinceTableInput {
  readonly provinceId: string;
  readonly units: readonly UnitObservation[];
  readonly scores: readonly ScoreObservation[];
}

/** Build the table from observations (e.g. an assembled ProvinceDay, or rows read back from the store). */
export function toProvinceTable(
  input: ProvinceTableInput,
  config: Pick<Config, 'classBands'>,
): ProvinceTable {
  const byKey = new Map(input.scores.map((s) => [`${s.unitId}|${s.group}`, s]));
  const groupsOf = (unitId: string): TableGroups => {
    const out = {} as Record<GroupCode, GroupCell>;
    for (const g of GROUP_CODES) {
      const s = byKey.get(`${unitId}|${g}`);
      out[g] = { score: s?.score ?? null, max: s?.maxScore ?? null };
    }
    return out;
  };
  const province = input.units.find((u) => u.id === input.provinceId);
  if (!province) throw new Error(`toProvinceTable: the province ${input.provinceId} is not among the units`);
  const provinceTotal = byKey.get(`${province.id}|TOTAL`);
  const total = provinceTotal?.score ?? null;

  const rowsOf = (kind: 'agency' | 'commune'): UnitRow[] => {
    const list = input.units.filter((u) => u.kind === kind && u.id !== input.provinceId);
    const totals = list.map((u) => byKey.get(`${u.id}|TOTAL`)?.score ?? null);
    const ranks = competitionRanks(totals);
    const rows = list.map((u, i) => ({
      id: u.id,
      code: u.code,
      // display only: a unit whose name no answer gave usably is shown by its code or id
      name: u.name ?? u.code ?? u.id,
      total: totals[i] ?? null,
      rank: ranks[i] ?? null,
      classification: classify(config, totals[i] ?? null),
      groups: groupsOf(u.id),
    }));
    return rows.sort(byRankThenName);
  };

  return {
    province: {
      id: province.id,
      code: province.code,
      name: province.name ?? province.code ?? province.id,
      total,
      rank: provinceTotal?.rank ?? null,
      rankOf: provinceTotal?.rankOf ?? null,
      classification: classify(config, total),
      groups: groupsOf(province.id),
    },
    agencies: rowsOf('agency'),
    communes: rowsOf('commune'),
  };
}

const collator = new Intl.Collator('vi');
function byRankThenName(a: UnitRow, b: UnitRow): number {
  if (a.rank !== b.rank) {
    if (a.rank === null) return 1;
    if (b.rank === null) return -1;
    return a.rank - b.rank;
  }
  return collator.compare(a.name, b.name);
}

export type ProvinceTableFormat = 'table' | 'json' | 'csv';

type Flat = {
  readonly level: string;
  readonly rank: number | null;
  /** Size of the list the rank is taken in (the 34 provinces; the agencies; the communes). */
  readonly rankOf: number | null;
  readonly code: string | null;
  readonly name: string;
  readonly total: number | null;
  readonly classification: string | null;
  readonly groups: TableGroups;
  readonly evaluated: boolean;
};

const LEVEL = { province: 'Tỉnh', agency: 'Sở, ban, ngành', commune: 'Xã, phường' } as const;

function flatten(table: ProvinceTable): { province: Flat; agencies: Flat[]; communes: Flat[] } {
  const evaluated = (r: { total: number | null; groups: TableGroups }) =>
    r.total !== null || GROUP_CODES.some((g) => r.groups[g].score !== null);
  const p = table.province;
  const unit = (level: string, rankOf: number) => (r: UnitRow) => ({
    level,
    rank: r.rank,
    rankOf: r.rank === null ? null : rankOf,
    code: r.code,
    name: r.name,
    total: r.total,
    classification: r.classification,
    groups: r.groups,
    evaluated: evaluated(r),
  });
  return {
    province: {
      level: LEVEL.province,
      rank: p.rank,
      rankOf: p.rankOf,
      code: p.code,
      name: p.name,
      total: p.total,
      classification: p.classification,
      groups: p.groups,
      evaluated: evaluated(p),
    },
    agencies: table.agencies.map(unit(LEVEL.agency, table.agencies.length)),
    communes: table.communes.map(unit(LEVEL.commune, table.communes.length)),
  };
}

/** A group cell for the text table: the score, with "/max" only when the max is not the usual one. */
function groupText(g: GroupCode, cell: GroupCell): string | null {
  if (cell.score === null) return null;
  const s = fmtScore(cell.score);
  return cell.max === null || cell.max === GROUP_MAX[g] ? s : `${s}/${cell.max}`;
}

function textColumns(): Column<Flat>[] {
  return [
    {
      header: 'Hạng',
      value: (r) =>
        r.rank === null
          ? null
          : r.level === LEVEL.province && r.rankOf !== null
            ? `${r.rank}/${r.rankOf}`
            : r.rank,
      align: 'right',
    },
    { header: 'Mã', value: (r) => r.code },
    { header: 'Đơn vị', value: (r) => r.name },
    { header: 'Tổng điểm', value: (r) => fmtScore(r.total), align: 'right' },
    { header: 'Xếp loại', value: (r) => (r.evaluated ? r.classification : 'chưa đánh giá') },
    ...GROUP_CODES.map(
      (g): Column<Flat> => ({
        header: `${g}/${GROUP_MAX[g]}`,
        value: (r) => groupText(g, r.groups[g]),
        align: 'right',
      }),
    ),
  ];
}

function csvColumns(): Column<Flat>[] {
  return [
    { header: 'Cấp', value: (r) => r.level },
    { header: 'Hạng', value: (r) => r.rank },
    { header: 'Trong số', value: (r) => r.rankOf },
    { header: 'Mã', value: (r) => r.code },
    { header: 'Đơn vị', value: (r) => r.name },
    { header: 'Tổng điểm', value: (r) => fmtScore(r.total) },
    { header: 'Xếp loại', value: (r) => r.classification },
    ...GROUP_CODES.flatMap((g): Column<Flat>[] => [
      { header: `${GROUP_LABELS[g]} (${g})`, value: (r) => fmtScore(r.groups[g].score) },
      { header: `${g} tối đa`, value: (r) => fmtScore(r.groups[g].max) },
    ]),
  ];
}

/**
 * Render the table: `json` is the contract above; `csv` one row per unit (province first)
 * with Vietnamese headers, a null being an empty cell; `table` three aligned tables where a
 * null prints as "–" and a unit with no score at all is "chưa đánh giá".
 */
export function renderProvinceTable(
  table: ProvinceTable,
  format: ProvinceTableFormat,
  opts: { bom?: boolean } = {},
): string {
  if (format === 'json') return toJsonText(table);
  const flat = flatten(table);
  if (format === 'csv') return toCsv([flat.province, ...flat.agencies, ...flat.communes], csvColumns(), opts);
  const cols = textColumns();
  const parts = [
    `${escapeControlChars(`${table.province.name}${table.province.code ? ` (${table.province.code})` : ''}`)}\n${renderTable([flat.province], cols)}`,
    `${LEVEL.agency} (${flat.agencies.length})\n${renderTable(flat.agencies, cols)}`,
    `${LEVEL.commune} (${flat.communes.length})\n${renderTable(flat.communes, cols)}`,
  ];
  return parts.join('\n');
}
