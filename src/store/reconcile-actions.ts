/**
 * The reconcile's record of what it healed, one row per action. /metrics counts the rows by
 * action (so every replica reports the same totals and a restart loses none), and the rows of
 * a run bound how often the reconcile may retry it.
 */
import type { IsoDate } from '../domain.js';
import type { Queryable } from './db.js';

export type ReconcileActionKind =
  /** the latest due report date had no run, or a queued run with no job: collect enqueued */
  | 'enqueue'
  /** a run stuck in a stage with no live job: that stage's job enqueued again */
  | 'resume-collect'
  | 'resume-ingest'
  | 'resume-detect'
  | 'resume-notify'
  /** a failed latest day whose error a retry can fix: tried again from its furthest stage */
  | 'retry'
  /** a run whose job BullMQ failed without our code running (stall limit): marked failed */
  | 'fail-stalled'
  /** a run whose job failed but whose status never said so: marked failed with the job's reason */
  | 'fail-job'
  /** a day before the latest due one that nobody captured: recorded as a gap */
  | 'gap';

export const RECONCILE_ACTION_KINDS: readonly ReconcileActionKind[] = [
  'enqueue',
  'resume-collect',
  'resume-ingest',
  'resume-detect',
  'resume-notify',
  'retry',
  'fail-stalled',
  'fail-job',
  'gap',
];

export interface ReconcileAction {
  readonly action: ReconcileActionKind;
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  readonly runId: string;
  readonly detail: string;
}

export async function insertReconcileAction(db: Queryable, a: ReconcileAction): Promise<void> {
  await db.query(
    `insert into reconcile_actions (action, province_code, report_date, run_id, detail)
     values ($1, $2, $3, $4, $5)`,
    [a.action, a.provinceCode, a.reportDate, a.runId, a.detail.slice(0, 2000).replace(/\u0000/g, '\\x00')],
  );
}

/** How many times the reconcile took `action` on a run. */
export async function countRunActions(
  db: Queryable,
  runId: string,
  action: ReconcileActionKind,
): Promise<number> {
  const res = await db.query<{ n: number }>(
    'select count(*)::int as n from reconcile_actions where run_id = $1 and action = $2',
    [runId, action],
  );
  return res.rows[0]?.n ?? 0;
}

/** Totals by action (for /metrics); empty when the table does not exist yet (an older schema). */
export async function countReconcileActions(db: Queryable): Promise<Record<string, number>> {
  const exists = await db.query<{ t: string | null }>(`select to_regclass('reconcile_actions')::text as t`);
  if (!exists.rows[0]?.t) return {};
  const res = await db.query<{ action: string; n: number }>(
    'select action, count(*)::int as n from reconcile_actions group by action',
  );
  return Object.fromEntries(res.rows.map((r) => [r.action, r.n]));
}
