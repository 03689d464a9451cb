/**
 * `dvc-index import`: the office's own tables from before the tool existed, stored as one
 * imported day — report date = the as-of date, the given period, every score flagged
 * `imported` and tied to an `imports` row (the files' SHA-256). All or nothing:
 * - every name must match one known unit of the province (or `--create-missing`), else the
 *   import stops naming them and nothing is stored;
 * - a captured day (scores from a run) on that date and period is never overwritten;
 * - the same files again change nothing; other files for the same province, period and
 *   date replace the earlier import (and only it).
 */
import { createHash, randomUUID } from 'node:crypto';
import { type IsoDate, type Period, periodKey, type ScoreGroup, searchKey } from '../domain.js';
import { InputError } from '../errors.js';
import { IMPORTED_FLAG } from '../query/history.js';
import { resolveProvince } from '../query/units.js';
import { type Pool, withTransaction } from '../store/db.js';
import { guessKind, type KnownUnit, type Match, matchRows } from './match.js';
import { type ImportedRow, parseAppendixSheets } from './parse-appendix.js';
import { readTableFile } from './read-table.js';

export interface ImportRequest {
  readonly files: readonly string[];
  readonly province: string;
  readonly period: Period;
  readonly asOf: IsoDate;
  readonly dryRun?: boolean;
  readonly createMissing?: boolean;
}

export interface ImportedFileInfo {
  readonly name: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface ImportResult {
  readonly province: KnownUnit;
  readonly period: Period;
  readonly asOf: IsoDate;
  readonly files: readonly ImportedFileInfo[];
  readonly matches: readonly Match[];
  readonly notes: readonly string[];
  /** dry-run: nothing written; refused: names did not match (dry-run only, else thrown). */
  readonly outcome: 'dry-run' | 'refused' | 'stored' | 'replaced' | 'unchanged';
  readonly importId: number | null;
  readonly scoresStored: number;
}

function problems(matches: readonly Match[], createMissing: boolean): Match[] {
  return matches.filter(
    (m) =>
      m.status === 'ambiguous' || m.status === 'duplicate' || (m.status === 'unmatched' && !createMissing),
  );
}

export function describeProblems(ps: readonly Match[]): string {
  return ps
    .map((m) => {
      const name = m.row.name || '(the province table)';
      if (m.status === 'ambiguous')
        return `"${name}" (${m.row.where}) matches several units: ${m.candidates.join('; ')}`;
      if (m.status === 'duplicate')
        return `"${name}" (${m.row.where}) is the same unit as ${m.candidates[0]}`;
      return `"${name}" (${m.row.where}) matches no known unit`;
    })
    .join('; ');
}

interface ScoreRow {
  unitId: string;
  group: ScoreGroup;
  score: number | null;
  max: number | null;
  rank: number | null;
  rankOf: number | null;
}

function scoreRows(matches: readonly Match[], provinceId: string): ScoreRow[] {
  const out: ScoreRow[] = [];
  let provinceHasTotal = false;
  for (const m of matches) {
    if (!m.unit) continue;
    const r: ImportedRow = m.row;
    const isProvince = m.unit.id === provinceId;
    const groups = Object.keys(r.scores) as ScoreGroup[];
    if (!groups.includes('TOTAL')) groups.push('TOTAL'); // the day is known by its TOTAL row (null if not given)
    for (const g of groups) {
      out.push({
        unitId: m.unit.id,
        group: g,
        score: r.scores[g] ?? null,
        max: r.max[g] ?? (g === 'TOTAL' ? 100 : null),
        rank: isProvince && g === 'TOTAL' ? (r.rank ?? null) : null,
        rankOf: isProvince && g === 'TOTAL' ? (r.rankOf ?? null) : null,
      });
      if (isProvince && g === 'TOTAL') provinceHasTotal = true;
    }
  }
  if (!provinceHasTotal) {
    out.push({ unitId: provinceId, group: 'TOTAL', score: null, max: 100, rank: null, rankOf: null });
  }
  return out;
}

export async function runImport(pool: Pool, req: ImportRequest): Promise<ImportResult> {
  if (req.files.length === 0)
    throw new InputError('--file', 'give the office’s table: --file appendix.xlsx (or .csv)');
  const read = [];
  for (const f of req.files) read.push(await readTableFile(f));
  const files = read.map((f) => ({
    name: f.name,
    sha256: createHash('sha256').update(f.bytes).digest('hex'),
    bytes: f.bytes.length,
  }));
  const parsed = parseAppendixSheets(read.flatMap((f) => f.sheets));
  if (parsed.rows.length === 0) {
    throw new InputError(
      '--file',
      'no appendix table found: expected a header row with STT, the unit name and the groups (CKMB … MDHL, Tổng điểm), or the I.1 table (Nhóm chỉ số, Điểm đạt)',
    );
  }
  const p = await resolveProvince(pool, req.province, '--province');
  const province: KnownUnit = { id: p.id, code: p.code, name: p.name, kind: 'province' };
  const units = await pool.query<KnownUnit>(
    `select id, code, name, kind from units where province_id = $1 order by code nulls last, name_key`,
    [p.id],
  );
  const matches = matchRows(parsed.rows, province, units.rows);
  const own = matches.find((m) => m.unit?.id === p.id);
  const split = own?.row.scores.CLGQ !== undefined && own?.row.scores.TTTT !== undefined;
  // "Dịch vụ trực tuyến" from I.1 cannot be split — unless CLGQ and TTTT came with the province's line
  const notes = parsed.notes.filter((n) => !(split && n.includes('"Dịch vụ trực tuyến"')));
  if (!matches.some((m) => m.unit?.id === p.id)) {
    notes.push('the file has no row for the province itself: its total is stored as "no figure"');
  }
  const bad = problems(matches, req.createMissing ?? false);
  const base = {
    province,
    period: req.period,
    asOf: req.asOf,
    files,
    notes,
    importId: null,
    scoresStored: 0,
  };
  if (req.dryRun) return { ...base, matches, outcome: bad.length > 0 ? 'refused' : 'dry-run' };
  if (bad.length > 0) {
    throw new InputError(
      '--file',
      `${bad.length} name(s) could not be matched, nothing was stored: ${describeProblems(bad)}; correct the names in the file, or give --create-missing to add the unmatched ones as new units`,
    );
  }

  return withTransaction(pool, async (c) => {
    await c.query('select pg_advisory_xact_lock(hashtext($1))', [`dvc-import:${p.id}`]);
    const period = req.period;
    const existing = await c.query<{ id: string; files: ImportedFileInfo[] }>(
      `select id, files from imports where province_id = $1 and period_type = $2 and period_year = $3
          and period_number = $4 and as_of = $5::date`,
      [p.id, period.type, period.year, period.number, req.asOf],
    );
    const before = existing.rows[0];
    const same = (a: readonly ImportedFileInfo[]) =>
      a.map((f) => f.sha256).join(',') === files.map((f) => f.sha256).join(',');
    if (before && same(before.files)) {
      const n = await c.query<{ n: string }>('select count(*) as n from scores where import_id = $1', [
        before.id,
      ]);
      return {
        ...base,
        matches,
        outcome: 'unchanged',
        importId: Number(before.id),
        scoresStored: Number(n.rows[0]!.n),
      };
    }
    // Create the units the office names and the store does not know (only when asked).
    const final: Match[] = [];
    for (const m of matches) {
      if (m.status !== 'unmatched') {
        final.push(m);
        continue;
      }
      const unit: KnownUnit = { id: randomUUID(), code: null, name: m.row.name, kind: guessKind(m.row.name) };
      await c.query(
        `insert into units (id, code, name, name_key, kind, province_id, first_seen, last_seen)
         values ($1, null, $2, $3, $4, $5, $6::date, $6::date)`,
        [unit.id, unit.name, searchKey(unit.name), unit.kind, p.id, req.asOf],
      );
      final.push({ ...m, status: 'created', unit });
    }
    const rows = scoreRows(final, p.id);
    const ids = [...new Set(rows.map((r) => r.unitId))];
    const captured = await c.query<{ n: string }>(
      `select count(*) as n from scores where unit_id = any($1::uuid[]) and report_date = $2::date
          and period_type = $3 and period_year = $4 and period_number = $5 and import_id is null`,
      [ids, req.asOf, period.type, period.year, period.number],
    );
    if (Number(captured.rows[0]!.n) > 0) {
      throw new InputError(
        '--as-of',
        `${p.code ?? p.name} already has captured ${periodKey(period)} scores on ${req.asOf}; an import never replaces them — choose another --as-of`,
      );
    }
    let importId: number;
    if (before) {
      importId = Number(before.id);
      await c.query('delete from scores where import_id = $1', [importId]);
      await c.query('update imports set files = $2, unit_count = $3, updated_at = now() where id = $1', [
        importId,
        JSON.stringify(files),
        ids.length,
      ]);
    } else {
      const ins = await c.query<{ id: string }>(
        `insert into imports (province_id, period_type, period_year, period_number, as_of, files, unit_count)
         values ($1, $2, $3, $4, $5::date, $6, $7) returning id`,
        [p.id, period.type, period.year, period.number, req.asOf, JSON.stringify(files), ids.length],
      );
      importId = Number(ins.rows[0]!.id);
    }
    await c.query(
      `insert into scores (unit_id, report_date, period_type, period_year, period_number, grp, score, max_score,
                           rank, rank_of, flags, run_id, import_id)
       select u, $2::date, $3, $4, $5, g, s, m, r, ro, array[$6], null, $1
         from unnest($7::uuid[], $8::text[], $9::numeric[], $10::numeric[], $11::int[], $12::int[])
           as t(u, g, s, m, r, ro)`,
      [
        importId,
        req.asOf,
        period.type,
        period.year,
        period.number,
        IMPORTED_FLAG,
        rows.map((r) => r.unitId),
        rows.map((r) => r.group),
        rows.map((r) => r.score),
        rows.map((r) => r.max),
        rows.map((r) => r.rank),
        rows.map((r) => r.rankOf),
      ],
    );
    return {
      ...base,
      matches: final,
      outcome: before ? 'replaced' : 'stored',
      importId,
      scoresStored: rows.length,
    };
  });
}
