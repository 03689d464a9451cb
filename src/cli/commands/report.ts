import type { Command } from 'commander';
import { toCsv } from '../../cli/format.js';
import { periodKey } from '../../domain.js';
import { createLogger } from '../../logger.js';
import { parseDate, parsePeriodType } from '../../query/inputs.js';
import { buildProvinceReport } from '../../query/province-report.js';
import { reportCsvColumns, reportCsvRows } from '../../query/tables.js';
import { renderProvinceTable } from '../../report/province-table.js';
import { createPool } from '../../store/db.js';
import { action, configFromEnv, parseFormat } from '../run.js';

export function register(program: Command): void {
  program
    .command('report')
    .description("the province's table for a report date: the province, then its agencies, then its communes")
    .option('--province <code>', 'province code (default: the configured province with history)')
    .option('--date <date>', 'report date YYYY-MM-DD (default: the latest date with data)')
    .option('--period <period>', 'year, quarter or month', 'year')
    .option('--format <format>', 'table, json or csv', 'table')
    .action(
      action(async (opts: { province?: string; date?: string; period?: string; format?: string }) => {
        const format = parseFormat(opts.format, ['table', 'json', 'csv'] as const, 'table');
        const date = parseDate(opts.date, '--date');
        const periodType = parsePeriodType(opts.period, '--period');
        const config = configFromEnv();
        const pool = createPool(config.databaseUrl, createLogger(config), 1);
        try {
          const report = await buildProvinceReport(pool, config, {
            province: opts.province,
            date,
            periodType,
            fields: { province: '--province', date: '--date' },
          });
          const { input, table } = report;
          if (format === 'json') process.stdout.write(renderProvinceTable(table, 'json'));
          else if (format === 'csv')
            process.stdout.write(
              toCsv(reportCsvRows(table), reportCsvColumns(input.date, input.period, periodType), {
                bom: true,
              }),
            );
          else {
            process.stdout.write(
              `Ngày báo cáo ${input.date}, kỳ ${input.period ? periodKey(input.period) : periodType}\n\n`,
            );
            process.stdout.write(renderProvinceTable(table, 'table'));
          }
        } finally {
          await pool.end();
        }
      }),
    );
}
