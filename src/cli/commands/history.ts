import type { Command } from 'commander';
import { renderTable, toCsv, toJsonText } from '../../cli/format.js';
import { SCORE_GROUPS } from '../../domain.js';
import { createLogger } from '../../logger.js';
import { readAllUnitHistory } from '../../query/history.js';
import { checkRange, parseDate, parseGroups, parsePeriodType } from '../../query/inputs.js';
import { historyCsvColumns, historyTableColumns } from '../../query/tables.js';
import { resolveUnit } from '../../query/units.js';
import { createPool } from '../../store/db.js';
import { escapeControlChars } from '../../text.js';
import { action, configFromEnv, parseFormat } from '../run.js';

interface Opts {
  unit: string;
  group?: string;
  period?: string;
  from?: string;
  to?: string;
  format?: string;
}

export function register(program: Command): void {
  program
    .command('history')
    .description("one unit's scores over time, oldest first (missing days stay missing)")
    .requiredOption('--unit <unit>', 'departmentId, code (H18.01) or part of the name ("so y te")')
    .option('--group <group>', `one of ${SCORE_GROUPS.join(', ')} (comma-separated for several; default all)`)
    .option('--period <period>', 'year, quarter or month', 'year')
    .option('--from <date>', 'first report date YYYY-MM-DD')
    .option('--to <date>', 'last report date YYYY-MM-DD')
    .option('--format <format>', 'table, json or csv', 'table')
    .action(
      action(async (opts: Opts) => {
        const format = parseFormat(opts.format, ['table', 'json', 'csv'] as const, 'table');
        const groups = parseGroups(opts.group, '--group') ?? [...SCORE_GROUPS];
        const periodType = parsePeriodType(opts.period, '--period');
        const from = parseDate(opts.from, '--from');
        const to = parseDate(opts.to, '--to');
        checkRange(from, to, '--from');
        const config = configFromEnv();
        const pool = createPool(config.databaseUrl, createLogger(config), 1);
        try {
          const unit = await resolveUnit(pool, opts.unit, '--unit');
          const points = await readAllUnitHistory(pool, { unitId: unit.id, groups, periodType, from, to });
          if (format === 'json') {
            process.stdout.write(toJsonText({ unit, periodType, groups, points }));
          } else if (format === 'csv') {
            const rows = points.map((point) => ({ unit, point }));
            process.stdout.write(toCsv(rows, historyCsvColumns(groups), { bom: true }));
          } else {
            process.stdout.write(
              escapeControlChars(`${unit.code ?? ''} ${unit.name} (${unit.id}), kỳ: ${periodType}`) + '\n',
            );
            process.stdout.write(
              points.length > 0
                ? renderTable(points, historyTableColumns(groups))
                : 'no scores stored for this selection\n',
            );
          }
        } finally {
          await pool.end();
        }
      }),
    );
}
