/**
 * One province-day into PostgreSQL: units, scores and the metrics behind them, with
 * set-based statements (unnest of typed arrays) so a national day stays close to COPY speed.
 * Only new or changed rows are written (`on conflict do update … where distinct` guards a
 * concurrent writer): re-ingesting after a parser fix corrects the rows, an identical re-run
 * changes nothing. Rows of the same province, date and period that the new parse no longer
 * yields are removed — for the groups whose answers came in full (`day.answered`): a call
 * that failed never deletes what an earlier answer stored. Nothing is zero-filled: `null`
 * goes in as `null`; a name the answers did not give keeps the stored one.
 */
import { periodKey, SCORE_GROUPS } from '../domain.js';
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
  /** Units seen for the first time without a usable name: nothing of theirs stored. */
  readonly notStored: readonly string[];
}

/** Flags travel as one string per row (unnest cannot take ragged arrays); 0x1f never occurs in them. */
const FLAG_SEP = '\u001f';

/**
 * One item per key. Assembling settles a unit listed twice (the differing values nulled and
 * said), so only identical copies can arrive here; two different ones are a bug upstream and
 * stop the day rather than let the first silently win.
 */
function onePerKey<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const it of items) {
    const k = key(it);
    const known = seen.get(k);
    if (known === undefined) seen.set(k, it);
    else if (JSON.stringify(known) !== JSON.stringify(it))
      throw new Error(
        `the day lists ${k} twice with different values; duplicates must be settled before storing`,
      );
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
  const p = day.period;
  const { changed: unitsChanged, notStored } = await upsertUnits(db, day.units, day.reportDate);
  const unstored = new Set(notStored);
  const known = new Set(day.units.map((u) => u.id).filter((id) => !unstored.has(id)));
  const listed = new Set(day.units.map((u) => u.id));
  const scores = onePerKey(
    day.scores.filter((s) => known.has(s.unitId)),
    (s) => `${s.unitId}|${s.group}`,
  );
  const metrics = onePerKey(
    day.metrics.filter((m) => known.has(m.unitId)),
    (m) => `${m.unitId}|${m.group}|${m.code}`,
  );
  const skipped =
    day.scores.filter((s) => !listed.has(s.unitId)).length +
    day.metrics.filter((m) => !listed.has(m.unitId)).length;
  const answered = new Set<string>(day.answered ?? SCORE_GROUPS);

  // What is stored for this province, date and period, read once per table and compared
  // here: only new or different rows are written, vanished ones deleted. (Anti-joins against
  // an unnest get nested-loop plans that turn quadratic on a national day, and ON CONFLICT
  // locks, so writes, every row it meets even when nothing changes.)
  const storedScores = await readStored<StoredScore>(db, 'scores', day);
  const storedMetrics = await readStored<StoredMetric>(db, 'metrics', day);
  const scoreKey = (unitId: string, grp: string) => `${unitId}|${grp}`;
  const metricKey = (unitId: string, grp: string, code: string) => `${unitId}|${grp}|${code}`;
  const oldScores = new Map(storedScores.map((r) => [scoreKey(r.unit_id, r.grp), r]));
  const oldMetrics = new Map(storedMetrics.map((r) => [metricKey(r.unit_id, r.grp, r.code), r]));

  const writeScores = scores.filter((s) => {
    const o = oldScores.get(scoreKey(s.unitId, s.group));
    return !o || !sameScoreRow(o, s, runId);
  });
  const writeMetrics = metrics.filter((m) => {
    const o = oldMetrics.get(metricKey(m.unitId, m.group, m.code));
    return !o || !sameMetricRow(o, m);
  });
  const scoresChanged = await upsertScores(db, runId, day, writeScores);
  const metricsChanged = await upsertMetrics(db, day, writeMetrics);

  // Only a group whose answers came in full may lose rows: what a failed call did not send
  // is not "gone", and a unit that could not be stored this time keeps what it had.
  const keepScores = new Set(scores.map((s) => scoreKey(s.unitId, s.group)));
  const keepMetrics = new Set(metrics.map((m) => metricKey(m.unitId, m.group, m.code)));
  const mayRemove = (r: { unit_id: string; grp: string }) => answered.has(r.grp) && !unstored.has(r.unit_id);
  const removedScores = await deleteRows(
    db,
    'scores',
    day,
    storedScores.filter((r) => mayRemove(r) && !keepScores.has(scoreKey(r.unit_id, r.grp))),
  );
  const removedMetrics = await deleteRows(
    db,
    'metrics',
    day,
    storedMetrics.filter((r) => mayRemove(r) && !keepMetrics.has(metricKey(r.unit_id, r.grp, r.code))),
  );
  return {
    periodKey: periodKey(p),
    units: new Set(day.units.map((u) => u.id)).size,
    scores: scores.length,
    metrics: metrics.length,
    changed: { units: unitsChanged, scores: scoresChanged, metrics: metricsChanged },
    removed: { scores: removedScores, metrics: removedMetrics },
    skipped,
    notStored,
  };
}

interface StoredScore {
  unit_id: string;
  grp: string;
  score: string | null;
  max_score: string | null;
  rank: number | null;
  rank_of: number | null;
  flags: string[];
  run_id: string | null;
}
interface StoredMetric {
  unit_id: string;
  grp: string;
  code: string;
  name: string | null;
  numerator: string | null;
  denominator: string | null;
  ratio: string | null;
  score: string | null;
  max_score: string | null;
  quality_status: string | null;
  quality_message: string | null;
}

const SCORE_COLUMNS =
  't.unit_id, t.grp, t.score, t.max_score, t.rank, t.rank_of, t.flags, t.run_id::text as run_id';
const METRIC_COLUMNS =
  't.unit_id, t.grp, t.code, t.name, t.numerator, t.denominator, t.ratio, t.score, t.max_score, t.quality_status, t.quality_message';

/** The stored rows of the province's units (today's and any earlier) for this date and period. */
async function readStored<T>(db: Queryable, table: 'scores' | 'metrics', day: ProvinceDay): Promise<T[]> {
  const p = day.period;
  const res = await db.query(
    `select ${table === 'scores' ? SCORE_COLUMNS : METRIC_COLUMNS} from ${table} t
     where t.unit_id = any (array(select id from units where id = $5 or province_id = $5))
       and t.grp = any ($6::text[])
       and t.report_date = $1 and t.period_type = $2 and t.period_year = $3 and t.period_number = $4`,
    // Naming every group lets the primary key (unit, group, period, date…) seek straight to
    // the day's rows; without it the scan walks each unit's whole history.
    [day.reportDate, p.type, p.year, p.number, day.provinceId, SCORE_GROUPS],
  );
  return res.rows as T[];
}

/** numeric(·,2) as pg returns it vs a parsed number, in hundredths; null only equals null. */
function sameCents(stored: string | null, value: number | null): boolean {
  if (stored === null || value === null) return stored === value;
  return Math.round(Number(stored) * 100) === Math.round(value * 100);
}
/** Unscaled numeric (counts) vs a parsed number. */
function sameNumber(stored: string | null, value: number | null): boolean {
  if (stored === null || value === null) return stored === value;
  return Number(stored) === value;
}

function sameScoreRow(o: StoredScore, s: ScoreObservation, runId: string | null): boolean {
  return (
    sameCents(o.score, s.score) &&
    sameCents(o.max_score, s.maxScore) &&
    o.rank === s.rank &&
    o.rank_of === s.rankOf &&
    o.run_id === runId &&
    o.flags.length === s.flags.length &&
    o.flags.every((f, i) => f === s.flags[i])
  );
}

function sameMetricRow(o: StoredMetric, m: MetricObservation): boolean {
  return (
    o.name === m.name &&
    sameNumber(o.numerator, m.numerator) &&
    sameNumber(o.denominator, m.denominator) &&
    sameCents(o.ratio, m.ratio) &&
    sameCents(o.score, m.score) &&
    sameCents(o.max_score, m.maxScore) &&
    o.quality_status === m.qualityStatus &&
    o.quality_message === m.qualityMessage
  );
}

/** Delete rows of this date and period by key (the rows the new parse no longer yields). */
async function deleteRows(
  db: Queryable,
  table: 'scores' | 'metrics',
  day: ProvinceDay,
  rows: ReadonlyArray<{ unit_id: string; grp: string; code?: string }>,
): Promise<number> {
  if (rows.length === 0) return 0;
  const p = day.period;
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
      rows.map((r) => r.unit_id),
      rows.map((r) => r.grp),
      ...(table === 'metrics' ? [rows.map((r) => r.code ?? '')] : []),
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
