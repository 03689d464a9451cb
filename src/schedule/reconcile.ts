/**
 * Reconcile, don't hope: compare what PostgreSQL says should exist with what is stored or in
 * flight in BullMQ, and heal the difference. Run on start (CATCH_UP) and every RECONCILE_EVERY
 * by `start`, so a missed cron tick, a lost queue or a job BullMQ failed on its own is healed
 * without a restart. Per configured province:
 *
 * - the latest due report date (the only one the portal still serves) is enqueued when it has
 *   no run, or only a gap; a failed one is tried again from its furthest stage when its error
 *   is one a retry can fix, and a blocked one once the operator has closed the circuit since,
 *   at most {@link MAX_RECONCILE_RETRIES} times; never while the circuit is open;
 * - a run on its way (queued … detected) with no live job is resumed from its stage: collect
 *   again only for the latest due day; an older day's stored answers are ingested (never
 *   fetched again), and an older day with none becomes a gap. A collecting run is left alone
 *   while it shows life ({@link stuckCollectAfterMs}): Redis may have lost the job of a
 *   collect still running;
 * - a run whose stage job failed without our code recording it (BullMQ's stall limit: the
 *   worker died during it each time) is marked failed with the reason;
 * - days before the latest due one, from BACKFILL_FROM or the first tried day, with no run at
 *   all are recorded as gaps (no scores: nothing is invented).
 *
 * Every step is conditional on what it finds, and job ids are the deterministic ones, so a
 * second reconcile (or one in another replica, which the advisory lock keeps out) changes
 * nothing. Each healing action is one log line and one `reconcile_actions` row (counted by
 * /metrics).
 */
import type { Deps } from '../deps.js';
import { addDays } from '../domain.js';
import { withLogContext } from '../logger.js';
import { type CollectPayload, jobIdFor, type QueueName, type RunTrigger } from '../queue/payloads.js';
import { lookJob, type Queues, readdJob } from '../queue/queues.js';
import { FINAL_ERROR_NAMES, STALLED_REASON } from '../queue/worker.js';
import { getCircuit, portalHost } from '../store/circuit.js';
import {
  countRunActions,
  insertReconcileAction,
  type ReconcileAction,
  type ReconcileActionKind,
} from '../store/reconcile-actions.js';
import {
  advanceRun,
  collectedRecently,
  countCaptures,
  createOrGetRun,
  datesWithoutRun,
  firstRunDate,
  getRunByDay,
  listOpenRuns,
  markRunGap,
  type Run,
  type RunStatus,
  recordGapRuns,
  recordRunError,
  reopenFailedRun,
} from '../store/runs.js';
import { latestDueReportDate } from './due.js';

/** How often the reconcile tries a failed latest day again before leaving it to a person. */
export const MAX_RECONCILE_RETRIES = 3;

/**
 * A collecting run with no live job counts as stuck only once it showed no life (start, a
 * stored answer) for this long: three request timeouts, at least two minutes.
 */
export function stuckCollectAfterMs(portalTimeoutMs: number): number {
  return Math.max(120_000, 3 * portalTimeoutMs);
}

/** One reconcile at a time across replicas (pg advisory lock key, "reco"). */
const RECONCILE_LOCK_KEY = '1919247215';

export interface ReconcileDeps extends Deps {
  readonly queues: Queues;
}

export interface ReconcileResult {
  /** false when another process held the reconcile lock (nothing was looked at). */
  readonly ran: boolean;
  readonly actions: readonly ReconcileAction[];
  /** Provinces whose latest due day waits for the circuit to close. */
  readonly heldByCircuit: readonly string[];
}

const STAGE_OF: Partial<Record<RunStatus, QueueName>> = {
  queued: 'collect',
  collecting: 'collect',
  collected: 'ingest',
  ingested: 'detect',
  detected: 'notify',
};
const STAGES: readonly QueueName[] = ['collect', 'ingest', 'detect', 'notify'];

const triggerOf = (run: Run): RunTrigger => (run.trigger === 'gap' ? 'catchup' : run.trigger);

/** Reconcile every configured province once (see the file comment). */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileResult> {
  const client = await deps.pool.connect();
  let locked = false;
  try {
    const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [
      RECONCILE_LOCK_KEY,
    ]);
    locked = got.rows[0]?.ok === true;
    if (!locked) {
      deps.log.info('reconcile skipped: another process is reconciling');
      return { ran: false, actions: [], heldByCircuit: [] };
    }
    return await reconcileLocked(deps);
  } finally {
    if (locked)
      await client.query('select pg_advisory_unlock($1)', [RECONCILE_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}

async function reconcileLocked(deps: ReconcileDeps): Promise<ReconcileResult> {
  const latest = latestDueReportDate(deps.now(), deps.config);
  const circuit = await getCircuit(deps.pool, portalHost(deps.config.portalBaseUrl));
  const circuitOpen = circuit.state === 'open';
  const actions: ReconcileAction[] = [];
  const heldByCircuit: string[] = [];
  const stuckAfterMs = stuckCollectAfterMs(deps.config.portalTimeoutMs);

  const act = async (kind: ReconcileActionKind, run: Run, detail: string) => {
    const a: ReconcileAction = {
      action: kind,
      provinceCode: run.provinceCode,
      reportDate: run.reportDate,
      runId: run.id,
      detail,
    };
    await insertReconcileAction(deps.pool, a);
    withLogContext(deps.log, { runId: run.id }).info(
      { action: kind, provinceCode: run.provinceCode, reportDate: run.reportDate, detail },
      'reconcile action',
    );
    actions.push(a);
  };

  const collectPayload = (run: Run): CollectPayload => ({
    provinceCode: run.provinceCode,
    reportDate: run.reportDate,
    periods: run.periods.length > 0 ? run.periods : deps.config.periods,
    trigger: triggerOf(run),
  });
  const stagePayload = (run: Run, stage: QueueName): object =>
    stage === 'collect'
      ? collectPayload(run)
      : stage === 'notify'
        ? { runId: run.id, reason: 'reconcile' }
        : { runId: run.id, provinceCode: run.provinceCode, reportDate: run.reportDate };
  const readd = (run: Run, stage: QueueName) =>
    readdJob(deps.queues, stage, stagePayload(run, stage), jobIdFor(stage, run.provinceCode, run.reportDate));

  for (const provinceCode of deps.config.provinces) {
    // 1. Runs on their way with no live job (first, so a run failed here is judged below).
    for (const open of await listOpenRuns(deps.pool, provinceCode)) await heal(open);

    // 2. The latest due day: the only one the portal can still give.
    let run = await getRunByDay(deps.pool, provinceCode, latest);
    if (circuitOpen && (!run || ['gap', 'queued', 'failed', 'blocked'].includes(run.status))) {
      heldByCircuit.push(provinceCode);
    } else if (!run || run.status === 'gap') {
      const created = await createOrGetRun(deps.pool, {
        provinceCode,
        reportDate: latest,
        trigger: 'catchup',
        periods: deps.config.periods,
      });
      run = created.run;
      if (await readd(run, 'collect'))
        await act('enqueue', run, 'latest due day had no run; collect enqueued');
    } else if (run.status === 'failed') {
      if (run.errorClass !== null && !FINAL_ERROR_NAMES.has(run.errorClass)) await retry(run);
    } else if (
      run.status === 'blocked' &&
      circuit.closedAt !== null &&
      (run.finishedAt === null || circuit.closedAt > run.finishedAt)
    ) {
      // The operator closed the circuit after this day was refused: that is the go-ahead.
      await retry(run);
    }

    // 3. Days nobody captured, before the latest due one.
    const from =
      deps.config.backfillFrom !== ''
        ? deps.config.backfillFrom
        : await firstRunDate(deps.pool, provinceCode);
    if (from !== null) {
      const missing = await datesWithoutRun(deps.pool, provinceCode, from, addDays(latest, -1));
      const recorded = await recordGapRuns(deps.pool, provinceCode, missing);
      for (const d of recorded) {
        const gap = await getRunByDay(deps.pool, provinceCode, d);
        if (gap) await act('gap', gap, 'no run for a past report date; the portal no longer serves it');
      }
    }
  }
  const held = [...new Set(heldByCircuit)];
  if (held.length > 0)
    deps.log.warn(
      { provinces: held, reportDate: latest, reason: circuit.reason },
      'reconcile: circuit open, latest day not enqueued (dvc-index circuit close resumes)',
    );
  return { ran: true, actions, heldByCircuit: held };

  /** A run on its way: leave it when a job of any stage is live, else heal its stage. */
  async function heal(run: Run): Promise<void> {
    const stage = STAGE_OF[run.status];
    if (!stage) return;
    const looks = await Promise.all(
      STAGES.map((s) => lookJob(deps.queues, s, jobIdFor(s, run.provinceCode, run.reportDate))),
    );
    if (looks.some((l) => l.live)) return;
    const own = looks[STAGES.indexOf(stage)];
    if (own?.state === 'failed') {
      // The stage job is over but the run never heard: BullMQ failed it without our code
      // (its stall limit), or our bookkeeping could not be written then.
      const reason = own.failedReason ?? '';
      const stalled = STALLED_REASON.test(reason);
      const message = stalled
        ? `${stage} job stalled more than allowable limit: the worker stopped during it each time (${reason})`
        : `${stage} job failed: ${reason}`;
      await recordRunError(
        deps.pool,
        run.id,
        { errorClass: stalled ? 'JobStalledError' : 'JobFailedError', message },
        'failed',
      );
      await act(stalled ? 'fail-stalled' : 'fail-job', run, message);
      return;
    }
    if (run.status === 'collecting' && (await collectedRecently(deps.pool, run.id, stuckAfterMs))) {
      // Redis may have lost the job of a collect that is still running (here or in a
      // replica): give it time rather than ask the portal twice.
      return;
    }
    if (stage !== 'collect') {
      if (await readd(run, stage))
        await act(`resume-${stage}` as ReconcileActionKind, run, `${run.status} with no live job`);
      return;
    }
    if (run.reportDate === latest) {
      if (circuitOpen) {
        heldByCircuit.push(run.provinceCode);
        return;
      }
      if (await readd(run, 'collect'))
        await act(
          run.status === 'queued' ? 'enqueue' : 'resume-collect',
          run,
          `${run.status} with no live job; collect enqueued`,
        );
      return;
    }
    // An older day: the portal no longer serves it. Ingest what was stored, or call it a gap.
    const captures = await countCaptures(deps.pool, run.id);
    if (captures > 0) {
      await advanceRun(deps.pool, run.id, 'collected', {
        summary: { reconcile: `collect interrupted; ${captures} stored answers ingested as they are` },
      });
      if (await readd(run, 'ingest'))
        await act('resume-ingest', run, `collect interrupted after ${captures} answers; ingesting them`);
    } else if (
      await markRunGap(
        deps.pool,
        run.id,
        `not captured while the portal served it (status was ${run.status} with no job); only the latest report date can be captured`,
      )
    ) {
      await act('gap', run, `${run.status} with no job and no stored answers; past its window`);
    }
  }

  /** A failed or blocked latest day, again from its furthest stage (at most a few times). */
  async function retry(run: Run): Promise<void> {
    if ((await countRunActions(deps.pool, run.id, 'retry')) >= MAX_RECONCILE_RETRIES) return;
    const [status, stage]: ['queued' | 'collected' | 'ingested', QueueName] =
      run.ingestedAt !== null
        ? ['ingested', 'detect']
        : run.collectedAt !== null
          ? ['collected', 'ingest']
          : ['queued', 'collect'];
    for (const s of STAGES) {
      const l = await lookJob(deps.queues, s, jobIdFor(s, run.provinceCode, run.reportDate));
      if (l.live) return;
    }
    if (!(await reopenFailedRun(deps.pool, run.id, status))) return;
    await readd({ ...run, status }, stage);
    await act(
      'retry',
      run,
      `${run.status} with ${run.errorClass}: ${run.errorMessage ?? ''}; ${stage} enqueued`,
    );
  }
}
