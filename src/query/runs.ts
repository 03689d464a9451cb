/** Runs for people: status, timings, request counts and errors, newest report date first. */
import { type IsoDate, isIsoDate } from '../domain.js';
import { InputError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { clampLimit, decodeCursor, encodeCursor } from './cursor.js';
import type { Page } from './history.js';

export const RUN_STATUSES = [
  'queued',
  'collecting',
  'collected',
  'ingested',
  'detected',
  'done',
  'failed',
  'blocked',
  'gap',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunRow {
  readonly id: number;
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  readonly trigger: string;
  readonly status: RunStatus;
  readonly periods: string[];
  readonly attempts: number;
  readonly requestCount: number;
  readonly errorClass: string | null;
  readonly errorMessage: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly collectedAt: string | null;
  readonly ingestedAt: string | null;
  readonly finishedAt: string | null;
  /** finished − started, when both are known. */
  readonly durationMs: number | null;
  readonly summary: unknown;
}

export interface RunFilter {
  readonly province?: string;
  readonly status?: RunStatus;
  readonly from?: IsoDate;
  readonly to?: IsoDate;
  readonly after?: string;
  readonly limit?: number;
}

interface DbRun {
  id: string;
  province_code: string;
  report_date: string;
  trigger: string;
  status: RunStatus;
  periods: string[];
  attempts: number;
  request_count: number;
  error_class: string | null;
  error_message: string | null;
  created_at: Date;
  started_at: Date | null;
  collected_at: Date | null;
  ingested_at: Date | null;
  finished_at: Date | null;
  summary: unknown;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toRunRow(r: DbRun): RunRow {
  return {
    id: Number(r.id),
    provinceCode: r.province_code,
    reportDate: r.report_date,
    trigger: r.trigger,
    status: r.status,
    periods: r.periods,
    attempts: r.attempts,
    requestCount: r.request_count,
    errorClass: r.error_class,
    errorMessage: r.error_message,
    createdAt: r.created_at.toISOString(),
    startedAt: iso(r.started_at),
    collectedAt: iso(r.collected_at),
    ingestedAt: iso(r.ingested_at),
    finishedAt: iso(r.finished_at),
    durationMs: r.started_at && r.finished_at ? r.finished_at.getTime() - r.started_at.getTime() : null,
    summary: r.summary,
  };
}

/** Runs, newest report date first, keyset-paginated on (report date, id). */
export async function listRuns(db: Queryable, f: RunFilter = {}): Promise<Page<RunRow>> {
  const limit = clampLimit(f.limit, 50, 500);
  const params: unknown[] = [];
  const where: string[] = [];
  if (f.province !== undefined) where.push(`province_code = upper($${params.push(f.province)})`);
  if (f.status !== undefined) where.push(`status = $${params.push(f.status)}`);
  if (f.from !== undefined) where.push(`report_date >= $${params.push(f.from)}::date`);
  if (f.to !== undefined) where.push(`report_date <= $${params.push(f.to)}::date`);
  if (f.after !== undefined) {
    const [d, id] = decodeCursor(f.after, ['date', 'id']);
    if (!isIsoDate(String(d))) throw new InputError('after', 'is not a cursor this list returned');
    const i = params.push(d, id);
    where.push(`(report_date, id) < ($${i - 1}::date, $${i}::bigint)`);
  }
  const li = params.push(limit + 1);
  const res = await db.query<DbRun>(
    `select id, province_code, to_char(report_date, 'YYYY-MM-DD') as report_date, trigger, status, periods,
            attempts, request_count, error_class, error_message, created_at, started_at, collected_at,
            ingested_at, finished_at, summary
       from runs ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
      order by report_date desc, id desc limit $${li}`,
    params,
  );
  const rows = res.rows.map(toRunRow);
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items, nextCursor: hasMore && last ? encodeCursor([last.reportDate, last.id]) : null };
}
