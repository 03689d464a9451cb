/**
 * `dvc-index probe`: one run against PORTAL_BASE_URL without a database — the first thing an
 * operator runs on a new network. Prints the province table the run would store (stdout),
 * and the transport, failures and problems (stderr). Exit 0 ok, 3 blocked, 4 a call's answer
 * changed format (the table is still printed), 1 anything else, 2 bad input.
 */
import type { Command } from 'commander';
import type { Config } from '../../config.js';
import { addDays, dateInZone, type IsoDate, PERIOD_TYPES, type PeriodType, periodOf } from '../../domain.js';
import { InputError, toError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { isUsableDate } from '../../query/inputs.js';
import { renderProvinceTable, toProvinceTable } from '../../report/province-table.js';
import { assembleProvinceDay } from '../../source/assemble.js';
import { collectCalls } from '../../source/collect-calls.js';
import { withChromium } from '../../source/find-chromium.js';
import { createPortalClient } from '../../source/portal-client.js';
import type { RawResponse } from '../../source/portal-types.js';
import { PROVINCES, planProvincePeriod, provinceByCode } from '../../source/requests.js';
import { action, configFromEnv, type Out, parseFormat } from '../run.js';

export interface ProbeOptions {
  readonly province?: string;
  readonly period?: string;
  readonly date?: string;
  readonly format?: string;
}

const FORMATS = ['table', 'json'] as const;

/** The default report date: today in TZ minus REPORT_DATE_OFFSET_DAYS. */
export function defaultReportDate(
  config: Pick<Config, 'timeZone' | 'reportDateOffsetDays'>,
  now: Date,
): IsoDate {
  return addDays(dateInZone(now, config.timeZone), -config.reportDateOffsetDays);
}

/** Run the probe; returns the exit code. Throws InputError (2) and the portal's errors. */
export async function runProbe(
  opts: ProbeOptions,
  io: { stdout: Out; stderr: Out; env?: NodeJS.ProcessEnv; now?: Date },
): Promise<number> {
  const config = withChromium(configFromEnv(io.env));
  const code = opts.province ?? config.provinces[0] ?? 'H18';
  const province = provinceByCode(code);
  if (!province)
    throw new InputError(
      '--province',
      `"${code}" is not one of the 34 province codes; pick one of those listed`,
      PROVINCES.map((p) => `${p.code}  ${p.name}`),
    );
  const periodType = (opts.period ?? 'year') as PeriodType;
  if (!PERIOD_TYPES.includes(periodType))
    throw new InputError('--period', `"${opts.period}" is not one of ${PERIOD_TYPES.join(', ')}`);
  if (opts.date !== undefined && !isUsableDate(opts.date))
    throw new InputError('--date', `"${opts.date}" is not a calendar date YYYY-MM-DD`);
  const format = parseFormat(opts.format, FORMATS, 'table');
  const reportDate = opts.date ?? defaultReportDate(config, io.now ?? new Date());
  const period = periodOf(periodType, reportDate);

  // Logs go to stderr so that stdout is only the table (or JSON).
  const log = createLogger(config, process.stderr);
  const client = createPortalClient(config, log);
  const where = `${config.portalBaseUrl} via the ${client.transport} transport${
    client.transport === 'browser' ? ` (Chromium at ${config.chromiumPath})` : ''
  }`;
  io.stderr.write(
    `probe: ${province.code} ${province.name}, period ${period.type} of report date ${reportDate}, ${where}\n`,
  );
  let requests: number | null = null;
  try {
    const session = await client.openSession();
    const usable: RawResponse[] = [];
    let collected: Awaited<ReturnType<typeof collectCalls>>;
    try {
      collected = await collectCalls(session, planProvincePeriod(province.id, period), async (raw, error) => {
        if (error === null) usable.push(raw);
      });
    } finally {
      requests = session.requestCount;
      await session.close();
    }
    const captures = usable.map((r) => ({ call: r.call, page: r.page, body: r.body }));
    const day = assembleProvinceDay({
      provinceId: province.id,
      provinceCode: province.code,
      reportDate,
      period,
      captures,
    });
    io.stdout.write(renderProvinceTable(toProvinceTable(day, config), format));
    for (const f of collected.failures)
      io.stderr.write(
        `no answer for ${f.call.call} (${f.periodKey}, page ${f.call.page}): ${f.error.message}\n`,
      );
    for (const p of day.problems) io.stderr.write(`problem (${p.kind}): ${p.message}\n`);
    io.stderr.write(
      `probe: ${requests} request(s) via the ${client.transport} transport; ` +
        `${collected.failures.length === 0 ? 'every call answered' : `${collected.failures.length} call(s) without a usable answer`}\n`,
    );
    return collected.failures.length > 0 ? 4 : 0;
  } catch (e) {
    io.stderr.write(
      `probe: stopped ${requests === null ? 'while opening the session (page load)' : `after ${requests} request(s)`} ` +
        `via the ${client.transport} transport\n`,
    );
    throw toError(e);
  } finally {
    await client.close();
  }
}

export function register(program: Command): void {
  program
    .command('probe')
    .description(
      'one run against PORTAL_BASE_URL without a database: prints what it would store and which transport was used',
    )
    .option('--province <code>', 'province code, e.g. H18 (default: the first of PROVINCES)')
    .option('--period <type>', 'year, quarter or month', 'year')
    .option('--date <YYYY-MM-DD>', 'report date (default: today in TZ minus REPORT_DATE_OFFSET_DAYS)')
    .option('--format <format>', 'table or json', 'table')
    .action(
      action(async (opts: ProbeOptions) =>
        runProbe(opts, { stdout: process.stdout, stderr: process.stderr }),
      ),
    );
}
