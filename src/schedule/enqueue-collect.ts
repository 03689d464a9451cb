/**
 * Enqueue the collect of one province-day: the run row first (created `queued`, or the
 * existing one), then the job under its deterministic id. Both are no-ops for a day already
 * known, so a tick, a catch-up, a replica and a manual trigger can all ask at once.
 */
import type { Deps } from '../deps.js';
import type { IsoDate, PeriodType } from '../domain.js';
import { type CollectPayload, jobIdFor, type RunTrigger } from '../queue/payloads.js';
import { createOrGetRun, type Run, requeueRun } from '../store/runs.js';

export interface EnqueueCollectInput {
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  readonly trigger: RunTrigger;
  readonly periods?: readonly PeriodType[];
  /**
   * A failed or blocked day is tried again (manual runs): its failed job id is cleared via
   * `clearFailed` and a failed or blocked run goes back to `queued`.
   */
  readonly retryFailed?: boolean;
}

export async function enqueueCollect(
  deps: Deps,
  input: EnqueueCollectInput,
  clearFailed?: (jobId: string) => Promise<boolean>,
): Promise<{ run: Run; jobId: string }> {
  const periods = input.periods ?? deps.config.periods;
  const { run } = await createOrGetRun(deps.pool, {
    provinceCode: input.provinceCode,
    reportDate: input.reportDate,
    trigger: input.trigger,
    periods,
  });
  const jobId = jobIdFor('collect', input.provinceCode, input.reportDate);
  if (input.retryFailed && run.status !== 'done') {
    // A failed job id also stays behind when a job stalled too often (its worker died each
    // time) and the run still says `collecting`: clear it whatever the run says.
    await clearFailed?.(jobId);
    if (run.status === 'failed' || run.status === 'blocked') await requeueRun(deps.pool, run.id);
  }
  const payload: CollectPayload = {
    provinceCode: input.provinceCode,
    reportDate: input.reportDate,
    periods,
    trigger: input.trigger,
  };
  await deps.enqueue('collect', payload, jobId);
  return { run, jobId };
}
