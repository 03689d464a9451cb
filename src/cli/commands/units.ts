import type { Command } from 'commander';
import { renderTable, toCsv, toJsonText } from '../../cli/format.js';
import { createLogger } from '../../logger.js';
import { parseKind } from '../../query/inputs.js';
import { UNIT_COLUMNS } from '../../query/tables.js';
import { listUnits } from '../../query/units.js';
import { createPool } from '../../store/db.js';
import { action, configFromEnv, parseFormat } from '../run.js';

export function register(program: Command): void {
  program
    .command('units')
    .description('list the units in the history (province, agencies, communes)')
    .option('--province <code>', 'only this province and its units (code like H18)')
    .option('--kind <kind>', 'agency, commune or province')
    .option('--search <text>', 'part of the name or code; accents and case do not matter')
    .option('--format <format>', 'table, json or csv', 'table')
    .action(
      action(async (opts: { province?: string; kind?: string; search?: string; format?: string }) => {
        const format = parseFormat(opts.format, ['table', 'json', 'csv'] as const, 'table');
        const kind = parseKind(opts.kind, '--kind');
        const config = configFromEnv();
        const pool = createPool(config.databaseUrl, createLogger(config), 1);
        try {
          const units = await listUnits(pool, { province: opts.province, kind, q: opts.search });
          if (format === 'json') process.stdout.write(toJsonText(units));
          else if (format === 'csv') process.stdout.write(toCsv(units, UNIT_COLUMNS, { bom: true }));
          else
            process.stdout.write(
              units.length > 0 ? renderTable(units, UNIT_COLUMNS) : 'no units in the history yet\n',
            );
        } finally {
          await pool.end();
        }
      }),
    );
}
