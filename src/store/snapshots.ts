/**
 * One province-day into PostgreSQL: units, scores and the metrics behind them, with
 * set-based statements (unnest of typed arrays) so a national day stays close to COPY speed.
 * Upserts are `on conflict do update … where distinct`: re-ingesting after a parser fix
 * corrects the rows, an identical re-run changes nothing. Rows of the same province, date and
 * period that the new parse no longer yields are removed, so the stored day always equals
 * what its captures say. Nothing is zero-filled: `null` goes in as `null`.
 */
import { periodKey } from '../domain.js';
import type { MetricObservation, ProvinceDay, ScoreObservation } from '../source/types.js';
import { type Pool, type Queryable, withTransaction } from './db.js';
import { upsertUnits } from './units.js';

export interface ProvinceDayResult {
  readonly periodKey: string;
  readonly units: number;
  readonly scores: number;
  readonly metrics: number;
  /** Rows inserted or changed by this call (0 on an identical re-run). */
  readonly changed: { readonly units: number; readonly scores: number; readonly metrics: number };
  /** Rows of this province-day-period that the new parse no longer has. */
  readonly removed: { readonly scores: number; readonly metrics: number };
  /** Observations naming a unit that is not among the day's units (not stored). */
  readonly skipped: number;
}

/** Flags travel as one string per row (unnest cannot take ragged arrays); 0x1f never occurs in them. */
const FLAG_SEP = '\u001f';

function firstBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const it of items) {
    const k = key(it);
    if (!seen.has(k)) seen.set(k, it);
  }
  return [...seen.values()];
}

/**
 * Upsert one province-day. Pass a client inside a transaction (see {@link storeProvinceDay})
 * so the day is stored whole or not at all.
 */
export async function upsertProvinceDay(
  db: Queryable,
  runId: string | null,
  day: ProvinceDay,
): Promise<ProvinceDayResult> {
  const known = new Set(day.units.map((u) => u.id));
  const scores = firstBy(
    day.scores.filter((s) => known.has(s.unitId)),
    (s) => `${s.unitId}|${s.group}`,
  );
  const metrics = firstBy(
    day.metrics.filter((m) => known.has(m.unitId)),
    (m) => `${m.unitId}|${m.group}|${m.code}`,
  );
  const skipped =
    day.scores.filter((s) => !known.has(s.unitId)).length +
    day.metrics.filter((m) => !known.has(m.unitId)).length;
  const p = day.period;

  const unitsChanged = await upsertUnits(db, day.units, day.reportDate);
  const scoresChanged = await upsertScores(db, runId, day, scores);
  const metricsChanged = await upsertMetrics(db, day, metrics);

  const removedScores = await removeStale(
    db,
    'scores',
    day,
    new Set(scores.map((s) => `${s.unitId}|${s.group}`)),
    (r) => `${r.unit_id}|${r.grp}`,
  );
  const removedMetrics = await removeStale(
    db,
    'metrics',
    day,
    new Set(metrics.map((m) => `${m.unitId}|${m.group}|${m.code}`)),
    (r) => `${r.unit_id}|${r.grp}|${r.code}`,
  );
  return {
    periodKey: periodKey(p),
    units: new Set(day.units.map((u) => u.id)).size,
    scores: scores.length,
    metrics: metrics.length,
    changed: { units: unitsChanged, scores: scoresChanged, metrics: metricsChanged },
    removed: { scores: removedScores, metrics: removedMetrics },
    skipped,
  };
}

interface KeyRow {
  unit_id: string;
  grp: string;
  code?: string;
}

/**
 * Delete the rows of this province, date and period whose key the new parse no longer has.
 * The stored keys are read with one index scan and compared here: an anti-join against an
 * unnest is planned as a nested loop and turned quadratic on a national day.
 */
async function removeStale(
  db: Queryable,
  table: 'scores' | 'metrics',
  day: ProvinceDay,
  keep: ReadonlySet<string>,
  keyOf: (r: KeyRow) => string,
): Promise<number> {
  const p = day.period;
  const cols = table === 'scores' ? 't.unit_id, t.grp' : 't.unit_id, t.grp, t.code';
  const stored = await db.query<KeyRow>(
    `select ${cols} from ${table} t
     where t.unit_id = any (array(select id from units where id = $5 or province_id = $5))
       and t.report_date = $1 and t.period_type = $2 and t.period_year = $3 and t.period_number = $4`,
    [day.reportDate, p.type, p.year, p.number, day.provinceId],
  );
  const stale = stored.rows.filter((r) => !keep.has(keyOf(r)));
  if (stale.length === 0) return 0;
  const res = await db.query(
    table === 'scores'
      ? `delete from scores t using unnest($5::uuid[], $6::text[]) as n(unit_id, grp)
         where t.unit_id = n.unit_id and t.grp = n.grp
           and t.report_date = $1 and t.period_type = $2 and t.period_year = $3 and t.period_number = $4`
      : `delete from metrics t using unnest($5::uuid[], $6::text[], $7::text[]) as n(unit_id, grp, code)
         where t.unit_id = n.unit_id and t.grp = n.grp and t.code = n.code
           and t.report_date = $1 and t.period_type = $2 and t.period_year = $3 and t.period_number = $4`,
    [
      day.reportDate,
      p.type,
      p.year,
      p.number,
      stale.map((r) => r.unit_id),
      stale.map((r) => r.grp),
      ...(table === 'metrics' ? [stale.map((r) => r.code ?? '')] : []),
    ],
  );
  return res.rowCount ?? 0;
}

async function upsertScores(
  db: Queryable,
  runId: string | null,
  day: ProvinceDay,
  scores: readonly ScoreObservation[],
): Promise<number> {
  if (scores.length === 0) return 0;
  const p = day.period;
  const res = await db.query(
    `insert into scores (unit_id, report_date, period_type, period_year, period_number, grp, score, max_score,
        rank, rank_of, flags, run_id)
     select n.unit_id, $1::date, $2, $3, $4, n.grp, n.score, n.max_score, n.rank, n.rank_of,
       case when n.flags = '' then '{}'::text[] else string_to_array(n.flags, $12) end, $11::bigint
     from unnest($5::uuid[], $6::text[], $7::numeric[], $8::numeric[], $9::int[], $10::int[], $13::text[])
       as n(unit_id, grp, score, max_score, rank, rank_of, flags)
     -- Rows already stored as they are never reach ON CONFLICT, which would lock (and so
     -- write) each of them even when its WHERE says there is nothing to update.
     where not exists (
       select 1 from scores s
       where s.unit_id = n.unit_id and s.grp = n.grp and s.period_type = $2 and s.period_year = $3
         and s.period_number = $4 and s.report_date = $1::date
         and (s.score, s.max_score, s.rank, s.rank_of, s.run_id) is not distinct from
             (n.score::numeric(6, 2), n.max_score::numeric(6, 2), n.rank, n.rank_of, $11::bigint)
         and s.flags = case when n.flags = '' then '{}'::text[] else string_to_array(n.flags, $12) end)
     on conflict (unit_id, grp, period_type, period_year, period_number, report_date) do update set
       score = excluded.score, max_score = excluded.max_score, rank = excluded.rank, rank_of = excluded.rank_of,
       flags = excluded.flags, run_id = excluded.run_id
     where (scores.score, scores.max_score, scores.rank, scores.rank_of, scores.flags, scores.run_id)
       is distinct from (excluded.score, excluded.max_score, excluded.rank, excluded.rank_of, excluded.flags,
                         excluded.run_id)`,
    [
      day.reportDate,
      p.type,
      p.year,
      p.number,
      scores.map((s) => s.unitId),
      scores.map((s) => s.group),
      scores.map((s) => s.score),
      scores.map((s) => s.maxScore),
      scores.map((s) => s.rank),
      scores.map((s) => s.rankOf),
      runId,
      FLAG_SEP,
      scores.map((s) => s.flags.join(FLAG_SEP)),
    ],
  );
  return res.rowCount ?? 0;
}

async function upsertMetrics(
  db: Queryable,
  day: ProvinceDay,
  metrics: readonly MetricObservation[],
): Promise<number> {
  if (metrics.length === 0) return 0;
  const p = day.period;
  const res = await db.query(
    `insert into metrics (unit_id, report_date, period_type, period_year, period_number, grp, code, name,
        numerator, denominator, ratio, score, max_score, quality_status, quality_message)
     select n.unit_id, $1::date, $2, $3, $4, n.grp, n.code, n.name, n.numerator, n.denominator, n.ratio,
       n.score, n.max_score, n.quality_status, n.quality_message
     from unnest($5::uuid[], $6::text[], $7::text[], $8::text[], $9::numeric[], $10::numeric[], $11::numeric[],
                 $12::numeric[], $13::numeric[], $14::text[], $15::text[])
       as n(unit_id, grp, code, name, numerator, denominator, ratio, score, max_score, quality_status, quality_message)
     where not exists (
       select 1 from metrics m
       where m.unit_id = n.unit_id and m.grp = n.grp and m.period_type = $2 and m.period_year = $3
         and m.period_number = $4 and m.report_date = $1::date and m.code = n.code
         and (m.name, m.numerator, m.denominator, m.ratio, m.score, m.max_score, m.quality_status, m.quality_message)
           is not distinct from (n.name, n.numerator, n.denominator, n.ratio::numeric(9, 2), n.score::numeric(6, 2),
                                 n.max_score::numeric(6, 2), n.quality_status, n.quality_message))
     on conflict (unit_id, grp, period_type, period_year, period_number, report_date, code) do update set
       name = excluded.name, numerator = excluded.numerator, denominator = excluded.denominator,
       ratio = excluded.ratio, score = excluded.score, max_score = excluded.max_score,
       quality_status = excluded.quality_status, quality_message = excluded.quality_message
     where (metrics.name, metrics.numerator, metrics.denominator, metrics.ratio, metrics.score, metrics.max_score,
            metrics.quality_status, metrics.quality_message)
       is distinct from (excluded.name, excluded.numerator, excluded.denominator, excluded.ratio, excluded.score,
                         excluded.max_score, excluded.quality_status, excluded.quality_message)`,
    [
      day.reportDate,
      p.type,
      p.year,
      p.number,
      metrics.map((m) => m.unitId),
      metrics.map((m) => m.group),
      metrics.map((m) => m.code),
      metrics.map((m) => m.name),
      metrics.map((m) => m.numerator),
      metrics.map((m) => m.denominator),
      metrics.map((m) => m.ratio),
      metrics.map((m) => m.score),
      metrics.map((m) => m.maxScore),
      metrics.map((m) => m.qualityStatus),
      metrics.map((m) => m.qualityMessage),
    ],
  );
  return res.rowCount ?? 0;
}

/** {@link upsertProvinceDay} in its own transaction. */
export function storeProvinceDay(
  pool: Pool,
  runId: string | null,
  day: ProvinceDay,
): Promise<ProvinceDayResult> {
  return withTransaction(pool, (client) => upsertProvinceDay(client, runId, day));
}
