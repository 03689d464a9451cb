/**
 * node-cron in the configured time zone; a tick only enqueues (the no-data check at
 * ALERT_NO_DATA_BY only writes an operator mail and enqueues notify). The reconcile runs on
 * start (CATCH_UP) and every RECONCILE_EVERY: it enqueues the latest due day of each province
 * unless it has a run, resumes stuck runs and records the days nobody captured as gaps (no
 * scores: nothing is invented), so a tick missed while Redis was down is healed without a
 * restart (see reconcile.ts).
 */

import type { Redis } from 'ioredis';
import cron, { type ScheduledTask } from 'node-cron';
import { scheduleTable } from '../../jobs/schedule.js';
import type { Deps } from '../deps.js';
import type { IsoDate } from '../domain.js';
import { toError } from '../errors.js';
import { runNoDataCheck } from '../notify/operator.js';
import { runWeeklyDigest } from '../notify/queue-weekly.js';
import type { Queues } from '../queue/queues.js';
import { latestDueReportDate } from './due.js';
import { enqueueCollect } from './enqueue-collect.js';
import { type ReconcileResult, reconcile } from './reconcile.js';

export interface Scheduler {
  /** Reconcile now (waits for one already running instead of starting a second). */
  reconcileNow(): Promise<ReconcileResult | null>;
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

/**
 * Start the cron table and the periodic reconcile (also once at once when CATCH_UP, and as
 * soon as the queue connection to Redis is back after it was lost, so a tick missed while
 * Redis was down is healed then rather than up to RECONCILE_EVERY later). Without `queues`
 * (small test deps) there is no reconcile: it must see the jobs to judge a run.
 */
export async function startScheduler(
  deps: Deps & { readonly queues?: Queues; readonly redis?: Redis },
): Promise<Scheduler> {
  const tasks: ScheduledTask[] = [];
  const queues = deps.queues;
  let running: Promise<ReconcileResult | null> | null = null;
  let again = false;
  let stopped = false;
  const once = () =>
    reconcile({ ...deps, queues: queues as Queues }).catch((e) => {
      deps.log.error({ err: toError(e) }, 'reconcile failed; the next one tries again');
      return null;
    });
  /** Reconcile now; asked while one runs, one more follows it (its view may predate the ask). */
  const reconcileNow = (): Promise<ReconcileResult | null> => {
    if (!queues || stopped) return Promise.resolve(null);
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let result: ReconcileResult | null;
      do {
        again = false;
        result = await once();
      } while (again && !stopped);
      return result;
    })().finally(() => {
      running = null;
    });
    return running;
  };
  for (const entry of scheduleTable(deps.config)) {
    tasks.push(
      cron.schedule(
        entry.cron,
        async () => {
          try {
            if (entry.name === 'no-data-check') await runNoDataCheck(deps);
            else if (entry.name === 'weekly-digest') await runWeeklyDigest(deps);
            else await tick(deps);
          } catch (e) {
            deps.log.error({ err: toError(e), schedule: entry.name }, 'scheduled enqueue failed');
          }
        },
        { timezone: entry.timeZone, name: entry.name, noOverlap: true },
      ),
    );
  }
  if (deps.config.catchUp) await reconcileNow();
  const timer = setInterval(() => void reconcileNow(), deps.config.reconcileEveryMs);
  let redisLost = false;
  const onClose = () => {
    redisLost = true;
  };
  const onReady = () => {
    if (!redisLost) return;
    redisLost = false;
    deps.log.info('redis is back; reconciling now');
    void reconcileNow();
  };
  deps.redis?.on('close', onClose);
  deps.redis?.on('ready', onReady);
  return {
    reconcileNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      deps.redis?.off('close', onClose);
      deps.redis?.off('ready', onReady);
      await running?.catch(() => undefined);
      for (const t of tasks) {
        await Promise.resolve(t.stop()).catch(() => undefined);
        await Promise.resolve(t.destroy()).catch(() => undefined);
      }
    },
  };
}
