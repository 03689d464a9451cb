/**
 * The runs table: one row per (province, report date). A run moves forward along
 * queued → collecting → collected → ingested → detected → done; failed / blocked end it;
 * gap marks a day nobody captured (no scores, nothing invented). The unique key on
 * (province_code, report_date) is the last line of defence against a doubled day.
 */
import type { IsoDate, PeriodType } from '../domain.js';
import type { Queryable } from './db.js';

export type RunStatus =
  | 'queued'
  | 'collecting'
  | 'collected'
  | 'ingested'
  | 'detected'
  | 'done'
  | 'failed'
  | 'blocked'
  | 'gap';
export type RunTriggerKind = 'schedule' | 'catchup' | 'manual' | 'demo' | 'gap';

/** Statuses that end a run (the day needs no more work unless someone asks again). */
export const TERMINAL_STATUSES: readonly RunStatus[] = ['done', 'failed', 'blocked', 'gap'];
/** Statuses after which the run's scores are stored. */
export const STORED_STATUSES: readonly RunStatus[] = ['ingested', 'detected', 'done'];

/** Order of the forward chain; a status never moves backwards along it. */
const CHAIN: readonly RunStatus[] = ['queued', 'collecting', 'collected', 'ingested', 'detected', 'done'];

export interface Run {
  readonly id: string;
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  readonly trigger: RunTriggerKind;
  readonly status: RunStatus;
  readonly periods: PeriodType[];
  readonly attempts: number;
  readonly requestCount: number;
  readonly errorClass: string | null;
  readonly errorMessage: string | null;
  readonly summary: Record<string, unknown> | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly collectedAt: Date | null;
  readonly ingestedAt: Date | null;
  readonly finishedAt: Date | null;
}

const COLUMNS = `id::text as id, province_code, to_char(report_date, 'YYYY-MM-DD') as report_date, trigger,
  status, periods, attempts, request_count, error_class, error_message, summary, created_at, started_at,
  collected_at, ingested_at, finished_at`;

interface RunRow {
  id: string;
  province_code: string;
  report_date: string;
  trigger: RunTriggerKind;
  status: RunStatus;
  periods: PeriodType[];
  attempts: number;
  request_count: number;
  error_class: string | null;
  error_message: string | null;
  summary: Record<string, unknown> | null;
  created_at: Date;
  started_at: Date | null;
  collected_at: Date | null;
  ingested_at: Date | null;
  finished_at: Date | null;
}

function toRun(r: RunRow): Run {
  return {
    id: r.id,
    provinceCode: r.province_code,
    reportDate: r.report_date,
    trigger: r.trigger,
    status: r.status,
    periods: r.periods,
    attempts: r.attempts,
    requestCount: r.request_count,
    errorClass: r.error_class,
    errorMessage: r.error_message,
    summary: r.summary,
    createdAt: r.created_at,
    startedAt: r.started_at,
    collectedAt: r.collected_at,
    ingestedAt: r.ingested_at,
    finishedAt: r.finished_at,
  };
}

export interface CreateRunInput {
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  readonly trigger: Exclude<RunTriggerKind, 'gap'>;
  readonly periods: readonly PeriodType[];
}

/**
 * The run of (province, report date), created as `queued` when there is none. A day recorded
 * as a `gap` becomes `queued` again when someone asks to collect it; any other existing run
 * is returned unchanged, so a second scheduler or a restart finds the same run.
 */
export async function createOrGetRun(
  db: Queryable,
  input: CreateRunInput,
): Promise<{ run: Run; created: boolean }> {
  const ins = await db.query<RunRow & { inserted: boolean }>(
    `insert into runs (province_code, report_date, trigger, status, periods)
     values ($1, $2, $3, 'queued', $4)
     on conflict (province_code, report_date) do update
       set status = 'queued', trigger = excluded.trigger, periods = excluded.periods
       where runs.status = 'gap'
     returning ${COLUMNS}, (xmax = 0) as inserted`,
    [input.provinceCode, input.reportDate, input.trigger, input.periods],
  );
  const row = ins.rows[0];
  if (row) return { run: toRun(row), created: row.inserted };
  const run = await getRunByDay(db, input.provinceCode, input.reportDate);
  if (!run) throw new Error(`run ${input.provinceCode} ${input.reportDate} vanished while being created`);
  return { run, created: false };
}

export async function getRun(db: Queryable, runId: string): Promise<Run | null> {
  const res = await db.query<RunRow>(`select ${COLUMNS} from runs where id = $1`, [runId]);
  return res.rows[0] ? toRun(res.rows[0]) : null;
}

export async function getRunByDay(
  db: Queryable,
  provinceCode: string,
  reportDate: IsoDate,
): Promise<Run | null> {
  const res = await db.query<RunRow>(
    `select ${COLUMNS} from runs where province_code = $1 and report_date = $2`,
    [provinceCode, reportDate],
  );
  return res.rows[0] ? toRun(res.rows[0]) : null;
}

/** Runs of a province, newest report date first. */
export async function listRuns(db: Queryable, provinceCode: string, limit = 100): Promise<Run[]> {
  const res = await db.query<RunRow>(
    `select ${COLUMNS} from runs where province_code = $1 order by report_date desc limit $2`,
    [provinceCode, limit],
  );
  return res.rows.map(toRun);
}

/**
 * A failed or blocked run asked for again (manual collect, operator closed the circuit):
 * back to `queued` with its error cleared. Other statuses are left alone.
 */
export async function requeueRun(db: Queryable, runId: string): Promise<void> {
  await db.query(
    `update runs set status = 'queued', error_class = null, error_message = null, finished_at = null
     where id = $1 and status in ('failed', 'blocked', 'gap')`,
    [runId],
  );
}

/** collect starts (or restarts after a crash): one more attempt, status `collecting`. */
export async function markCollecting(db: Queryable, runId: string): Promise<void> {
  await db.query(
    `update runs set status = 'collecting', attempts = attempts + 1, started_at = coalesce(started_at, now()),
       error_class = null, error_message = null, finished_at = null
     where id = $1`,
    [runId],
  );
}

/**
 * Move a run forward along the chain (never backwards: a retried collect after a finished
 * ingest leaves `ingested` as it is). Returns whether the row changed.
 */
export async function advanceRun(
  db: Queryable,
  runId: string,
  status: 'collected' | 'ingested' | 'detected' | 'done',
  fields: { requestCount?: number; summary?: Record<string, unknown> } = {},
): Promise<boolean> {
  const rank = CHAIN.indexOf(status);
  const res = await db.query(
    `update runs set status = $2,
       request_count = coalesce($3, request_count),
       summary = case when $4::jsonb is null then summary else coalesce(summary, '{}'::jsonb) || $4::jsonb end,
       collected_at = case when $2 = 'collected' then now() else collected_at end,
       ingested_at = case when $2 = 'ingested' then now() else ingested_at end,
       finished_at = case when $2 = 'done' then now() else finished_at end,
       error_class = null, error_message = null
     where id = $1 and array_position($5::text[], status) < $6`,
    [
      runId,
      status,
      fields.requestCount ?? null,
      fields.summary ? JSON.stringify(fields.summary) : null,
      CHAIN,
      rank + 1,
    ],
  );
  return (res.rowCount ?? 0) > 0;
}

/** Merge keys into the run's summary (request counts, problems, per-period figures). */
export async function mergeRunSummary(
  db: Queryable,
  runId: string,
  summary: Record<string, unknown>,
): Promise<void> {
  await db.query(`update runs set summary = coalesce(summary, '{}'::jsonb) || $2::jsonb where id = $1`, [
    runId,
    JSON.stringify(summary),
  ]);
}

/**
 * Record an error. `final` ends the run (`failed`, or `blocked` for a refused portal);
 * otherwise only the error is noted and the queue's retry carries on.
 */
export async function recordRunError(
  db: Queryable,
  runId: string,
  err: { errorClass: string; message: string },
  final: 'failed' | 'blocked' | null,
  requestCount?: number,
): Promise<void> {
  await db.query(
    `update runs set error_class = $2, error_message = $3,
       status = coalesce($4, status),
       finished_at = case when $4::text is null then finished_at else now() end,
       request_count = coalesce($5, request_count)
     where id = $1 and status not in ('done', 'gap')`,
    // A NUL byte (quoted from a body) cannot be stored in text: it would lose the error itself.
    [
      runId,
      err.errorClass,
      err.message.slice(0, 2000).replace(/\u0000/g, '\\x00'),
      final,
      requestCount ?? null,
    ],
  );
}

/**
 * Record days nobody captured as `gap` runs (no scores). Existing runs of those days are
 * left alone. Returns the dates actually recorded.
 */
export async function recordGapRuns(
  db: Queryable,
  provinceCode: string,
  dates: readonly IsoDate[],
): Promise<IsoDate[]> {
  if (dates.length === 0) return [];
  const res = await db.query<{ d: string }>(
    `insert into runs (province_code, report_date, trigger, status, finished_at)
     select $1, d, 'gap', 'gap', now() from unnest($2::date[]) as d
     on conflict (province_code, report_date) do nothing
     returning to_char(report_date, 'YYYY-MM-DD') as d`,
    [provinceCode, dates],
  );
  return res.rows.map((r) => r.d).sort();
}

/** The latest report date of the province whose scores are stored, or null. */
export async function lastStoredReportDate(db: Queryable, provinceCode: string): Promise<IsoDate | null> {
  const res = await db.query<{ d: string | null }>(
    `select to_char(max(report_date), 'YYYY-MM-DD') as d from runs
     where province_code = $1 and status = any($2::text[])`,
    [provinceCode, STORED_STATUSES],
  );
  return res.rows[0]?.d ?? null;
}

/** Statuses of a run still on its way (a stage job should exist for it). */
export const OPEN_STATUSES: readonly RunStatus[] = [
  'queued',
  'collecting',
  'collected',
  'ingested',
  'detected',
];

/** The province's runs that are still on their way, oldest report date first. */
export async function listOpenRuns(db: Queryable, provinceCode: string): Promise<Run[]> {
  const res = await db.query<RunRow>(
    `select ${COLUMNS} from runs where province_code = $1 and status = any($2::text[]) order by report_date`,
    [provinceCode, OPEN_STATUSES],
  );
  return res.rows.map(toRun);
}

/** The earliest report date of the province that someone tried to capture (gaps aside), or null. */
export async function firstRunDate(db: Queryable, provinceCode: string): Promise<IsoDate | null> {
  const res = await db.query<{ d: string | null }>(
    `select to_char(min(report_date), 'YYYY-MM-DD') as d from runs where province_code = $1 and status <> 'gap'`,
    [provinceCode],
  );
  return res.rows[0]?.d ?? null;
}

/** Dates in [from, to] (both included) that have no run of the province at all. */
export async function datesWithoutRun(
  db: Queryable,
  provinceCode: string,
  from: IsoDate,
  to: IsoDate,
): Promise<IsoDate[]> {
  if (from > to) return [];
  const res = await db.query<{ d: string }>(
    `select to_char(d, 'YYYY-MM-DD') as d from generate_series($2::date, $3::date, interval '1 day') as d
     where not exists (select 1 from runs r where r.province_code = $1 and r.report_date = d::date)
     order by d`,
    [provinceCode, from, to],
  );
  return res.rows.map((r) => r.d);
}

/**
 * A run that was never captured and no longer can be (its report date has left the portal's
 * window) becomes a `gap`, with the reason noted. Only a queued or collecting run changes.
 */
export async function markRunGap(db: Queryable, runId: string, reason: string): Promise<boolean> {
  const res = await db.query(
    `update runs set status = 'gap', error_class = 'NotCaptured', error_message = $2, finished_at = now()
     where id = $1 and status in ('queued', 'collecting')`,
    [runId, reason],
  );
  return (res.rowCount ?? 0) > 0;
}

/**
 * A failed (or blocked) run tried again from a stage: back to `queued`, `collected` or
 * `ingested`, its error cleared. Only a failed or blocked run changes; returns whether it did.
 */
export async function reopenFailedRun(
  db: Queryable,
  runId: string,
  status: 'queued' | 'collected' | 'ingested',
): Promise<boolean> {
  const res = await db.query(
    `update runs set status = $2, error_class = null, error_message = null, finished_at = null
     where id = $1 and status in ('failed', 'blocked')`,
    [runId, status],
  );
  return (res.rowCount ?? 0) > 0;
}

/** How many raw answers a run has stored. */
export async function countCaptures(db: Queryable, runId: string): Promise<number> {
  const res = await db.query<{ n: number }>('select count(*)::int as n from captures where run_id = $1', [
    runId,
  ]);
  return res.rows[0]?.n ?? 0;
}

/**
 * Whether a collecting run showed life within the last `withinMs` (its start or its newest
 * stored answer, by PostgreSQL's clock): a collect may still be running in a process whose
 * job Redis lost.
 */
export async function collectedRecently(db: Queryable, runId: string, withinMs: number): Promise<boolean> {
  const res = await db.query<{ recent: boolean | null }>(
    `select greatest(r.started_at, (select max(c.captured_at) from captures c where c.run_id = r.id))
              > now() - $2 * interval '1 millisecond' as recent
     from runs r where r.id = $1`,
    [runId, withinMs],
  );
  return res.rows[0]?.recent === true;
}
