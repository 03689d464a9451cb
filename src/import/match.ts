/**
 * Match the names in the office's tables to the province's known units, accents and case
 * aside, tolerating the portal's " - tỉnh Điện Biên" suffix and "UBND xã X" vs "Xã X". A
 * name that matches nothing, or more than one unit, is reported (and stops the import unless
 * `--create-missing` creates the unmatched ones).
 */
import { searchKey, type UnitKind } from '../domain.js';
import type { ImportedRow } from './parse-appendix.js';

export interface KnownUnit {
  readonly id: string;
  readonly code: string | null;
  readonly name: string;
  readonly kind: UnitKind;
}

/** The key two names are compared by. */
export function matchKey(name: string): string {
  return searchKey(name)
    .replace(/[.,;:]+$/g, '')
    .replace(/\s*[-–—]\s*tinh\s+.+$/, '') // " - tỉnh Điện Biên"
    .replace(/^(ubnd|uy ban nhan dan)\s+/, '') // "UBND xã …", "UBND tỉnh …"
    .replace(/\s+/g, ' ')
    .trim();
}

export type MatchStatus = 'matched' | 'unmatched' | 'ambiguous' | 'duplicate' | 'created';

export interface Match {
  readonly row: ImportedRow;
  readonly status: MatchStatus;
  readonly unit: KnownUnit | null;
  /** For an ambiguous name, the units it could be; for a duplicate, the earlier row. */
  readonly candidates: readonly string[];
}

/** Guess the kind of a unit the office's file names and the store does not know. */
export function guessKind(name: string): 'agency' | 'commune' {
  return /^(xa|phuong|thi tran|dac khu)\s/.test(matchKey(name)) ? 'commune' : 'agency';
}

export function matchRows(
  rows: readonly ImportedRow[],
  province: KnownUnit,
  units: readonly KnownUnit[],
): Match[] {
  const byKey = new Map<string, KnownUnit[]>();
  for (const u of units) {
    const k = matchKey(u.name);
    byKey.set(k, [...(byKey.get(k) ?? []), u]);
  }
  const provinceKey = matchKey(province.name);
  const taken = new Map<string, ImportedRow>();
  const matches = rows.map((row): Match => {
    let status: MatchStatus;
    let unit: KnownUnit | null = null;
    let candidates: string[] = [];
    if (row.province && (row.name === '' || matchKey(row.name) === provinceKey)) {
      status = 'matched';
      unit = province;
    } else {
      const hits = byKey.get(matchKey(row.name)) ?? [];
      if (hits.length === 1) {
        status = 'matched';
        unit = hits[0]!;
      } else if (hits.length > 1) {
        status = 'ambiguous';
        candidates = hits.map((h) => `${h.name}${h.code ? ` (${h.code})` : ''}`);
      } else status = 'unmatched';
    }
    if (unit && unit.id !== province.id) {
      const earlier = taken.get(unit.id);
      if (earlier) return { row, status: 'duplicate', unit, candidates: [earlier.where] };
      taken.set(unit.id, row);
    }
    return { row, status, unit, candidates };
  });
  return mergeProvince(matches, province);
}

/**
 * The province may come twice — the I.1 table (with its national rank) and a "UBND tỉnh …"
 * line in an appendix: one row, the figures of both; the same group given twice with two
 * different values is a duplicate naming both places.
 */
function mergeProvince(matches: Match[], province: KnownUnit): Match[] {
  const own = matches.filter((m) => m.unit?.id === province.id);
  if (own.length <= 1) return matches;
  const scores: Record<string, number | null> = {};
  const max: Record<string, number> = {};
  const from: Record<string, string> = {};
  let rank: number | null = null;
  let rankOf: number | null = null;
  let classification: string | null = null;
  for (const m of own) {
    for (const [g, v] of Object.entries(m.row.scores)) {
      if (g in scores && scores[g] !== v) {
        return matches.map((x) =>
          x === m
            ? { ...x, status: 'duplicate' as const, candidates: [`${from[g]} (${g} ${scores[g]} ≠ ${v})`] }
            : x,
        );
      }
      scores[g] = v ?? null;
      from[g] = m.row.where;
      const mx = m.row.max[g as keyof typeof m.row.max];
      if (mx !== undefined) max[g] = mx;
    }
    rank ??= m.row.rank ?? null;
    rankOf ??= m.row.rankOf ?? null;
    classification ??= m.row.classification;
  }
  const first = own[0]!;
  const merged: Match = {
    ...first,
    row: {
      ...first.row,
      where: own.map((m) => m.row.where).join(' + '),
      name: own.find((m) => m.row.name !== '')?.row.name ?? '',
      scores,
      max,
      rank,
      rankOf,
      classification,
    },
  };
  return matches.filter((m) => !own.includes(m) || m === first).map((m) => (m === first ? merged : m));
}
