/**
 * collect: talk to the portal and nothing else. One session, every planned call of every
 * configured period, every answer stored as it arrives, then ingest is enqueued. A blocked
 * portal opens the circuit and ends the run as `blocked`; it is never retried.
 */
import type { Deps } from '../src/deps.js';
import { periodKey, periodOf } from '../src/domain.js';
import { CircuitOpenError, InputError, PortalBlockedError, toError } from '../src/errors.js';
import { withLogContext } from '../src/logger.js';
import { recordBlockedRun } from '../src/notify/operator.js';
import { type CollectPayload, type IngestPayload, jobIdFor } from '../src/queue/payloads.js';
import { collectCalls } from '../src/source/collect-calls.js';
import { planProvincePeriod, provinceByCode } from '../src/source/requests.js';
import { upsertCapture } from '../src/store/captures.js';
import { getCircuit, openCircuit, portalHost } from '../src/store/circuit.js';
import {
  advanceRun,
  createOrGetRun,
  markCollecting,
  mergeRunSummary,
  type Run,
  recordRunError,
} from '../src/store/runs.js';

export interface CollectResult {
  readonly runId: string;
  /** false when the run had already collected (a duplicate or restarted job). */
  readonly collected: boolean;
  readonly requests: number;
  readonly captures: number;
  readonly formatFailures: number;
}

/** The stage a run that already got past collect continues with (a lost enqueue is healed). */
async function continueRun(run: Run, deps: Deps): Promise<void> {
  const next: IngestPayload = { runId: run.id, provinceCode: run.provinceCode, reportDate: run.reportDate };
  if (run.status === 'collected')
    await deps.enqueue('ingest', next, jobIdFor('ingest', run.provinceCode, run.reportDate));
  else if (run.status === 'ingested')
    await deps.enqueue('detect', next, jobIdFor('detect', run.provinceCode, run.reportDate));
}

export async function collect(payload: CollectPayload, deps: Deps): Promise<CollectResult> {
  const province = provinceByCode(payload.provinceCode);
  if (!province)
    throw new InputError('provinceCode', `"${payload.provinceCode}" is not one of the 34 province codes`);
  const periods = payload.periods.length > 0 ? payload.periods : deps.config.periods;
  const { run } = await createOrGetRun(deps.pool, {
    provinceCode: province.code,
    reportDate: payload.reportDate,
    trigger: payload.trigger,
    periods,
  });
  const log = withLogContext(deps.log, { runId: run.id });
  if (['collected', 'ingested', 'detected', 'done'].includes(run.status)) {
    log.info({ status: run.status }, 'run already collected; continuing it');
    await continueRun(run, deps);
    return { runId: run.id, collected: false, requests: 0, captures: 0, formatFailures: 0 };
  }

  const host = portalHost(deps.config.portalBaseUrl);
  const ensureClosed = async () => {
    const circuit = await getCircuit(deps.pool, host);
    if (circuit.state === 'open')
      throw new CircuitOpenError(circuit.openedAt ?? new Date(), circuit.reason ?? 'blocked');
  };
  await ensureClosed();

  const work = async (): Promise<CollectResult> => {
    // Another collect may have been blocked while we waited for the lock.
    await ensureClosed();
    await markCollecting(deps.pool, run.id);
    const session = await deps.portal.openSession();
    let captures = 0;
    let formatFailures = 0;
    const failures: Array<{ call: string; periodKey: string; error: string }> = [];
    try {
      for (const type of periods) {
        const period = periodOf(type, payload.reportDate);
        const plan = planProvincePeriod(province.id, period);
        const res = await collectCalls(session, plan, async (raw, error) => {
          await upsertCapture(
            deps.pool,
            run.id,
            raw,
            error ? { errorClass: error.name, message: error.message } : null,
          );
          captures++;
        });
        formatFailures += res.failures.length;
        for (const f of res.failures)
          failures.push({ call: f.call.call, periodKey: periodKey(period), error: f.error.message });
      }
    } catch (e) {
      const err = toError(e);
      if (err instanceof PortalBlockedError) {
        await openCircuit(deps.pool, host, {
          reason: `${err.kind}: ${err.message}`,
          supportId: err.supportId,
        });
        await recordRunError(
          deps.pool,
          run.id,
          { errorClass: err.name, message: err.message },
          'blocked',
          session.requestCount,
        );
        log.error({ err, supportId: err.supportId }, 'portal blocked us; circuit opened');
        await tellOperator(deps, run, err);
      } else {
        await mergeRunSummary(deps.pool, run.id, { requests: session.requestCount });
      }
      throw err;
    } finally {
      await session.close();
    }
    const requests = session.requestCount;
    await advanceRun(deps.pool, run.id, 'collected', {
      requestCount: requests,
      summary: { requests, captures, formatFailures: failures },
    });
    log.info({ requests, captures, formatFailures }, 'run collected');
    await deps.enqueue(
      'ingest',
      { runId: run.id, provinceCode: province.code, reportDate: payload.reportDate } satisfies IngestPayload,
      jobIdFor('ingest', province.code, payload.reportDate),
    );
    return { runId: run.id, collected: true, requests, captures, formatFailures };
  };
  return deps.portalLock ? deps.portalLock.withLock(host, work) : work();
}

/** The operator mail about the block; a failure here never hides the block itself. */
async function tellOperator(deps: Deps, run: Run, err: PortalBlockedError): Promise<void> {
  try {
    await recordBlockedRun(deps, { provinceCode: run.provinceCode, reportDate: run.reportDate, error: err });
  } catch (e) {
    deps.log.warn({ err: toError(e) }, 'operator mail about the block could not be queued');
  }
}
