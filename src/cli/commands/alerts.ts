import type { Command } from 'commander';
import { type Column, fmtScore, renderTable, toCsv, toJsonText } from '../../cli/format.js';
import { periodKey } from '../../domain.js';
import { InputError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { type AlertRow, listAlerts } from '../../store/alerts.js';
import { createPool, type Queryable } from '../../store/db.js';
import { action, configFromEnv, type Out, parseFormat } from '../run.js';

const STATUSES = ['open', 'resolved', 'all'] as const;
const FORMATS = ['table', 'json', 'csv'] as const;

/** Columns of `dvc-index alerts` (table and CSV); a null is an empty cell, never 0. */
export const ALERT_COLUMNS: readonly Column<AlertRow>[] = [
  { header: 'id', value: (a) => a.id, align: 'right' },
  { header: 'unit_id', value: (a) => a.unitId },
  { header: 'code', value: (a) => a.unitCode },
  { header: 'unit', value: (a) => a.unitName },
  { header: 'group', value: (a) => a.group },
  { header: 'period', value: (a) => periodKey(a.period) },
  { header: 'status', value: (a) => (a.resolution ? `${a.status} (${a.resolution})` : a.status) },
  { header: 'baseline', value: (a) => fmtScore(a.baseline), align: 'right' },
  { header: 'current', value: (a) => fmtScore(a.current), align: 'right' },
  { header: 'worst', value: (a) => fmtScore(a.worst), align: 'right' },
  { header: 'max', value: (a) => fmtScore(a.maxScore), align: 'right' },
  { header: 'opened_on', value: (a) => a.openedOn },
  { header: 'resolved_on', value: (a) => a.resolvedOn },
];

export interface AlertsOptions {
  readonly status?: string;
  readonly format?: string;
  readonly province?: string;
}

/** The body of `dvc-index alerts`, callable with any pool and output stream. */
export async function runAlerts(db: Queryable, opts: AlertsOptions, out: Out): Promise<number> {
  const format = parseFormat(opts.format, FORMATS, 'table');
  const status = opts.status ?? 'open';
  if (!(STATUSES as readonly string[]).includes(status))
    throw new InputError('--status', `"${status}" is not one of ${STATUSES.join(', ')}`);
  if (opts.province !== undefined && !/^H\d{2}$/i.test(opts.province))
    throw new InputError('--province', `"${opts.province}" is not a province code like H18`);
  const rows = await listAlerts(db, {
    status: status as (typeof STATUSES)[number],
    provinceCode: opts.province,
  });
  if (format === 'json') out.write(toJsonText(rows));
  else if (format === 'csv') out.write(toCsv(rows, ALERT_COLUMNS, { bom: true }));
  else
    out.write(
      rows.length > 0
        ? renderTable(rows, ALERT_COLUMNS)
        : `no ${status === 'all' ? '' : `${status} `}alerts\n`,
    );
  return 0;
}

export function register(program: Command): void {
  program
    .command('alerts')
    .description(
      'list fall episodes (TTTT/MDSH by default): unit, group, period, baseline, current, worst, dates',
    )
    .option('--status <status>', 'open, resolved or all', 'open')
    .option('--format <format>', 'table, json or csv', 'table')
    .option('--province <code>', 'only this province (code like H18)')
    .action(
      action(async (opts: AlertsOptions) => {
        const config = configFromEnv();
        const pool = createPool(config.databaseUrl, createLogger(config), 1);
        try {
          return await runAlerts(pool, opts, process.stdout);
        } finally {
          await pool.end();
        }
      }),
    );
}
