import type { Command } from 'commander';
import { toCsv, toJsonText } from '../../cli/format.js';
import { periodKey } from '../../domain.js';
import { createLogger } from '../../logger.js';
import { parseDate, parsePeriodType } from '../../query/inputs.js';
import { parseCompareWith, readOfficeReport } from '../../query/office-report.js';
import { buildProvinceReport } from '../../query/province-report.js';
import { reportCsvColumns, reportCsvRows } from '../../query/tables.js';
import { renderDocx } from '../../report/docx.js';
import { comparisonSentences } from '../../report/office-text.js';
import { renderProvinceTable } from '../../report/province-table.js';
import { targetColumns } from '../../report/target-columns.js';
import { writeReport } from '../../report/write-out.js';
import { renderXlsx } from '../../report/xlsx.js';
import { createPool } from '../../store/db.js';
import { action, configFromEnv, parseFormat } from '../run.js';

const FORMATS = ['table', 'json', 'csv', 'xlsx', 'docx'] as const;

export function register(program: Command): void {
  program
    .command('report')
    .description(
      "the province's table for a report date (the province, its agencies, its communes); " +
        "xlsx/docx: the office's report with its appendices",
    )
    .option('--province <code>', 'province code (default: the configured province with history)')
    .option('--date <date>', 'report date YYYY-MM-DD (default: the latest date with data)')
    .option('--period <period>', 'year, quarter or month', 'year')
    .option('--format <format>', 'table, json, csv, xlsx or docx', 'table')
    .option('--out <file>', 'write to this file (default: stdout; xlsx/docx need a file or a redirect)')
    .option('--compare-with <what>', 'a date YYYY-MM-DD, "previous" (period) or "last-year"')
    .action(
      action(
        async (opts: {
          province?: string;
          date?: string;
          period?: string;
          format?: string;
          out?: string;
          compareWith?: string;
        }) => {
          const format = parseFormat(opts.format, FORMATS, 'table');
          const date = parseDate(opts.date, '--date');
          const periodType = parsePeriodType(opts.period, '--period');
          const compareWith = parseCompareWith(opts.compareWith, '--compare-with');
          const config = configFromEnv();
          const pool = createPool(config.databaseUrl, createLogger(config), 1);
          const fields = { province: '--province', date: '--date', compareWith: '--compare-with' };
          try {
            const office =
              format === 'xlsx' || format === 'docx' || compareWith
                ? await readOfficeReport(pool, config, {
                    province: opts.province,
                    date,
                    periodType,
                    compareWith,
                    fields,
                  })
                : null;
            if (office && (format === 'xlsx' || format === 'docx')) {
              const extraColumns = targetColumns(config, office.head.period);
              const body =
                format === 'xlsx'
                  ? await renderXlsx(office, { extraColumns })
                  : await renderDocx(office, { extraColumns });
              await writeReport(body, { out: opts.out, binary: true });
              if (opts.out) process.stderr.write(`${opts.out}: ${body.length} bytes\n`);
              return;
            }
            const report = await buildProvinceReport(pool, config, {
              province: opts.province,
              date,
              periodType,
              fields,
            });
            const { input, table } = report;
            let text: string;
            if (format === 'json') {
              text = office
                ? toJsonText({ ...table, comparison: office.comparison })
                : renderProvinceTable(table, 'json');
            } else if (format === 'csv') {
              text = toCsv(reportCsvRows(table), reportCsvColumns(input.date, input.period, periodType), {
                bom: true,
              });
            } else {
              text = `Ngày báo cáo ${input.date}, kỳ ${input.period ? periodKey(input.period) : periodType}\n\n`;
              text += renderProvinceTable(table, 'table');
              if (office?.comparison) {
                text += `\nSo sánh\n${comparisonSentences(office, office.comparison).join('\n')}\n`;
              }
            }
            await writeReport(text, { out: opts.out, binary: false });
          } finally {
            await pool.end();
          }
        },
      ),
    );
}
