/**
 * node-cron in the configured time zone; a tick only enqueues (the no-data check at
 * ALERT_NO_DATA_BY only writes an operator mail and enqueues notify). On start, catch-up enqueues
 * the latest due day of each province unless it is stored, and records the days in between
 * as gaps (no scores: nothing is invented).
 */
import cron, { type ScheduledTask } from 'node-cron';
import { scheduleTable } from '../../jobs/schedule.js';
import type { Deps } from '../deps.js';
import type { IsoDate } from '../domain.js';
import { toError } from '../errors.js';
import { runNoDataCheck } from '../notify/operator.js';
import { lastStoredReportDate, recordGapRuns } from '../store/runs.js';
import { latestDueReportDate, planCatchUp } from './due.js';
import { enqueueCollect } from './enqueue-collect.js';

export interface Scheduler {
  stop(): Promise<void>;
}

/** One tick: enqueue the latest due day of every configured province. */
export async function tick(deps: Deps): Promise<IsoDate> {
  const reportDate = latestDueReportDate(deps.now(), deps.config);
  for (const provinceCode of deps.config.provinces) {
    await enqueueCollect(deps, { provinceCode, reportDate, trigger: 'schedule' });
  }
  deps.log.info({ reportDate, provinces: deps.config.provinces }, 'scheduled collect enqueued');
  return reportDate;
}

export interface CatchUpResult {
  readonly provinceCode: string;
  readonly enqueued: IsoDate | null;
  readonly gaps: IsoDate[];
}

/** Catch-up after downtime, for every configured province. */
export async function catchUp(deps: Deps): Promise<CatchUpResult[]> {
  const latest = latestDueReportDate(deps.now(), deps.config);
  const out: CatchUpResult[] = [];
  for (const provinceCode of deps.config.provinces) {
    const plan = planCatchUp(latest, await lastStoredReportDate(deps.pool, provinceCode));
    const gaps = await recordGapRuns(deps.pool, provinceCode, plan.gaps);
    if (plan.enqueue)
      await enqueueCollect(deps, { provinceCode, reportDate: plan.enqueue, trigger: 'catchup' });
    deps.log.info({ provinceCode, enqueued: plan.enqueue, gaps }, 'catch-up');
    out.push({ provinceCode, enqueued: plan.enqueue, gaps });
  }
  return out;
}

/** Start the cron table (and catch-up when configured). */
export async function startScheduler(deps: Deps): Promise<Scheduler> {
  const tasks: ScheduledTask[] = [];
  for (const entry of scheduleTable(deps.config)) {
    tasks.push(
      cron.schedule(
        entry.cron,
        async () => {
          try {
            if (entry.name === 'no-data-check') await runNoDataCheck(deps);
            else await tick(deps);
          } catch (e) {
            deps.log.error({ err: toError(e), schedule: entry.name }, 'scheduled enqueue failed');
          }
        },
        { timezone: entry.timeZone, name: entry.name, noOverlap: true },
      ),
    );
  }
  if (deps.config.catchUp) {
    try {
      await catchUp(deps);
    } catch (e) {
      deps.log.error({ err: toError(e) }, 'catch-up failed');
    }
  }
  return {
    async stop() {
      for (const t of tasks) {
        await Promise.resolve(t.stop()).catch(() => undefined);
        await Promise.resolve(t.destroy()).catch(() => undefined);
      }
    },
  };
}
