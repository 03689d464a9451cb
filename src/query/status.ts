/**
 * What /readyz and /metrics report about the history: circuit state, the last finished run,
 * run counts by status, requests made to the portal, open alert episodes.
 */
import type { Queryable } from '../store/db.js';

export interface CircuitState {
  readonly host: string;
  readonly state: 'open' | 'closed';
  readonly openedAt: string | null;
  readonly reason: string | null;
}

export async function readCircuits(db: Queryable): Promise<CircuitState[]> {
  const res = await db.query<{
    host: string;
    state: 'open' | 'closed';
    opened_at: Date | null;
    reason: string | null;
  }>('select host, state, opened_at, reason from circuit order by host');
  return res.rows.map((r) => ({
    host: r.host,
    state: r.state,
    openedAt: r.opened_at ? r.opened_at.toISOString() : null,
    reason: r.reason,
  }));
}

export interface LastRun {
  readonly id: number;
  readonly provinceCode: string;
  readonly reportDate: string;
  readonly status: string;
  readonly finishedAt: string;
}

/** The most recently finished run (done, failed or blocked), or null. */
export async function readLastFinishedRun(db: Queryable): Promise<LastRun | null> {
  const res = await db.query<{
    id: string;
    province_code: string;
    report_date: string;
    status: string;
    finished_at: Date;
  }>(
    `select id, province_code, to_char(report_date, 'YYYY-MM-DD') as report_date, status, finished_at
       from runs where finished_at is not null order by finished_at desc, id desc limit 1`,
  );
  const r = res.rows[0];
  return r
    ? {
        id: Number(r.id),
        provinceCode: r.province_code,
        reportDate: r.report_date,
        status: r.status,
        finishedAt: r.finished_at.toISOString(),
      }
    : null;
}

export interface RunTotals {
  readonly byStatus: Record<string, number>;
  /** Requests the runs made to the portal (sum of runs.request_count). */
  readonly portalRequests: number;
  /** Requests recorded as captures (one per API call answered or failed). */
  readonly capturedRequests: number;
  /** finished_at of the latest run with status done, as epoch seconds. */
  readonly lastSuccessSeconds: number | null;
}

export async function readRunTotals(db: Queryable): Promise<RunTotals> {
  const by = await db.query<{ status: string; n: string; requests: string | null }>(
    'select status, count(*) as n, sum(request_count) as requests from runs group by status',
  );
  const caps = await db.query<{ n: string }>('select count(*) as n from captures');
  const last = await db.query<{ t: string | null }>(
    `select extract(epoch from max(finished_at))::text as t from runs where status = 'done'`,
  );
  const byStatus: Record<string, number> = {};
  let portalRequests = 0;
  for (const r of by.rows) {
    byStatus[r.status] = Number(r.n);
    portalRequests += Number(r.requests ?? 0);
  }
  const t = last.rows[0]?.t;
  return {
    byStatus,
    portalRequests,
    capturedRequests: Number(caps.rows[0]?.n ?? 0),
    lastSuccessSeconds: t === null || t === undefined ? null : Number(t),
  };
}
