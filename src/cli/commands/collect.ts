/**
 * `dvc-index collect [--province H18] [--date YYYY-MM-DD] [--period year|quarter|month] [--wait]`:
 * enqueue one province-day (default: the latest due report date). With `--wait` this process
 * also runs the four workers until the run has gone through ingest, detect and notify, then
 * prints the run summary and exits 0 done / 1 failed / 3 blocked.
 */
import type { Command } from 'commander';
import type { Config } from '../../config.js';
import { PERIOD_TYPES, type PeriodType } from '../../domain.js';
import { InputError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { startPipeline } from '../../main.js';
import { isUsableDate } from '../../query/inputs.js';
import { clearFailedJob } from '../../queue/queues.js';
import { latestDueReportDate } from '../../schedule/due.js';
import { enqueueCollect } from '../../schedule/enqueue-collect.js';
import { withChromium } from '../../source/find-chromium.js';
import { provinceByCode } from '../../source/requests.js';
import { getRun, type Run, TERMINAL_STATUSES } from '../../store/runs.js';
import { action, configFromEnv, type Out } from '../run.js';

export interface CollectFlags {
  readonly province?: string;
  readonly date?: string;
  readonly period?: string;
  readonly wait?: boolean;
  /** Upper bound of --wait, in seconds. */
  readonly timeout?: string;
}

export interface CollectRequest {
  readonly provinceCode: string;
  readonly reportDate: string;
  readonly periods: PeriodType[];
  readonly waitMs: number | null;
}

/** Validate the flags (pure); every bad value names its flag. */
export function parseCollectFlags(flags: CollectFlags, config: Config, now: Date): CollectRequest {
  const code = (flags.province ?? config.provinces[0] ?? '').toUpperCase();
  if (!provinceByCode(code)) {
    throw new InputError('--province', `"${flags.province}" is not a province code such as H18 (Điện Biên)`);
  }
  const reportDate = flags.date ?? latestDueReportDate(now, config);
  if (!isUsableDate(reportDate)) throw new InputError('--date', `"${flags.date}" is not a date YYYY-MM-DD`);
  if (flags.date !== undefined && flags.date > latestDueReportDate(now, config)) {
    throw new InputError(
      '--date',
      `${flags.date} is not published yet (the latest due report date is ${latestDueReportDate(now, config)})`,
    );
  }
  let periods: PeriodType[] = [...config.periods];
  if (flags.period !== undefined) {
    if (!(PERIOD_TYPES as readonly string[]).includes(flags.period)) {
      throw new InputError('--period', `"${flags.period}" is not one of ${PERIOD_TYPES.join(', ')}`);
    }
    periods = [flags.period as PeriodType];
  }
  // Checked even without --wait: a bad flag is bad input whether or not it is used.
  const s = Number(flags.timeout ?? '1800');
  if (!/^\s*\d+\s*$/.test(flags.timeout ?? '1800') || !Number.isSafeInteger(s) || s < 1 || s > 7 * 86_400)
    throw new InputError('--timeout', `"${flags.timeout}" is not a whole number of seconds (1–604800)`);
  const waitMs = flags.wait ? s * 1000 : null;
  return { provinceCode: code, reportDate, periods, waitMs };
}

/** Exit code of a finished run: 0 done, 3 blocked, 1 anything else. */
export function exitCodeOfRun(run: Run): number {
  if (run.status === 'done') return 0;
  if (run.status === 'blocked') return 3;
  return 1;
}

/** The summary printed after --wait. */
export function renderRunSummary(run: Run): string {
  const s = (run.summary ?? {}) as {
    ingest?: {
      units?: number;
      scores?: number;
      metrics?: number;
      problemCount?: number;
      problems?: Array<{ periodKey: string; kind: string; message: string }>;
    };
  };
  const lines = [
    `run ${run.id}: ${run.provinceCode} ${run.reportDate} — ${run.status}`,
    `  periods:  ${run.periods.join(', ')}`,
    `  requests: ${run.requestCount}`,
  ];
  if (s.ingest) {
    lines.push(`  units:    ${s.ingest.units ?? 0}`);
    lines.push(`  scores:   ${s.ingest.scores ?? 0} stored (metrics ${s.ingest.metrics ?? 0})`);
    lines.push(`  problems: ${s.ingest.problemCount ?? 0}`);
    for (const p of s.ingest.problems ?? []) lines.push(`    [${p.periodKey}] ${p.kind}: ${p.message}`);
  }
  if (run.errorClass) lines.push(`  error:    ${run.errorClass}: ${run.errorMessage ?? ''}`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('collect')
    .description('enqueue the capture of one province-day (default: the latest due report date)')
    .option('--province <code>', 'province code, e.g. H18 (default: the first of PROVINCES)')
    .option('--date <YYYY-MM-DD>', 'report date (default: the latest due)')
    .option('--period <type>', 'only this period: year, quarter or month (default: PERIODS)')
    .option('--wait', 'run the workers here until ingest, detect and notify are done; print the summary')
    .option('--timeout <seconds>', 'upper bound of --wait', '1800')
    .action(action(async (flags: CollectFlags) => runCollect(flags, configFromEnv(), process.stdout)));
}

export async function runCollect(flags: CollectFlags, given: Config, out: Out): Promise<number> {
  const req = parseCollectFlags(flags, given, new Date());
  // --wait collects in this process: no browser stops it now with the install line.
  const config = req.waitMs === null ? given : withChromium(given);
  const log = createLogger(config, process.stderr);
  // Workers only with --wait: without it, a running `start` does the work.
  const pipeline = await startPipeline(config, log, {
    scheduler: false,
    http: false,
    migrate: false,
    workers: req.waitMs === null ? { queues: [] } : {},
  });
  try {
    const { run, jobId } = await enqueueCollect(
      pipeline.deps,
      {
        provinceCode: req.provinceCode,
        reportDate: req.reportDate,
        trigger: 'manual',
        periods: req.periods,
        retryFailed: true,
      },
      (id) => clearFailedJob(pipeline.deps.queues, 'collect', id),
    );
    if (req.waitMs === null) {
      out.write(`enqueued ${jobId} (run ${run.id}, status ${run.status})\n`);
      return 0;
    }
    const deadline = Date.now() + req.waitMs;
    for (;;) {
      const cur = await getRun(pipeline.deps.pool, run.id);
      if (cur && TERMINAL_STATUSES.includes(cur.status) && cur.status !== 'gap') {
        out.write(renderRunSummary(cur));
        return exitCodeOfRun(cur);
      }
      if (Date.now() > deadline) {
        out.write(
          `run ${run.id} still ${cur?.status ?? 'unknown'} after ${req.waitMs / 1000} s; it carries on in the queue\n`,
        );
        return 1;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await pipeline.stop();
  }
}
