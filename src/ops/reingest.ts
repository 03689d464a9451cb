/**
 * `dvc-index reingest`: parse a day's stored captures again and upsert the result, with the
 * pipeline's own `ingest` job, without any request to the portal (the portal client handed
 * to it refuses to open a session). For a parser fix: the raw bytes are kept for this.
 * Alerts are not re-evaluated: a reingest changes history, not what was already mailed.
 */
import { type IngestSummary, ingest } from '../../jobs/ingest.js';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import type { IsoDate } from '../domain.js';
import { InputError } from '../errors.js';
import { type Logger, withLogContext } from '../logger.js';
import type { PortalClient } from '../source/portal-types.js';
import type { Pool } from '../store/db.js';
import { getRunByDay } from '../store/runs.js';

/** A portal client that refuses every use: reingest must never reach the portal. */
export const OFFLINE_PORTAL: PortalClient = {
  transport: 'direct',
  openSession() {
    return Promise.reject(new Error('reingest never talks to the portal'));
  },
  close: () => Promise.resolve(),
};

export interface ReingestResult {
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  readonly runId: string;
  readonly summary: IngestSummary;
}

/** Re-ingest one province-day from its stored captures. */
export async function reingestDay(
  ctx: { config: Config; log: Logger; pool: Pool },
  provinceCode: string,
  reportDate: IsoDate,
): Promise<ReingestResult> {
  const run = await getRunByDay(ctx.pool, provinceCode, reportDate);
  if (!run) {
    throw new InputError(
      '--date',
      `no run for ${provinceCode} on ${reportDate}; \`dvc-index runs\` lists the days that have one`,
    );
  }
  if (run.status === 'gap') {
    throw new InputError('--date', `${reportDate} is a gap day for ${provinceCode}: nothing was captured`);
  }
  const deps: Deps = {
    config: ctx.config,
    log: withLogContext(ctx.log, { runId: run.id, reingest: true }),
    pool: ctx.pool,
    portal: OFFLINE_PORTAL,
    // The follow-up stages are not re-run: detection already happened for this day.
    enqueue: () => Promise.resolve(),
    now: () => new Date(),
  };
  const summary = await ingest({ runId: run.id, provinceCode, reportDate }, deps);
  return { provinceCode, reportDate, runId: run.id, summary };
}

/** One line per province-day. */
export function formatReingest(r: ReingestResult): string {
  const s = r.summary;
  return (
    `${r.provinceCode} ${r.reportDate} (run ${r.runId}): ${s.units} units, ${s.scores} scores, ${s.metrics} metrics ` +
    `re-parsed from stored captures; ${s.changed} row(s) changed; ${s.problemCount} problem(s)\n` +
    s.problems.map((p) => `  ${p.periodKey} ${p.kind}: ${p.message}\n`).join('')
  );
}
