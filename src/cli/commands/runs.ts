import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { formatRunsTable, runToJson } from '../../ops/operator.js';
import { createPool } from '../../store/db.js';
import { listRuns, type Run } from '../../store/runs.js';
import { toJsonText } from '../format.js';
import { action, configFromEnv, parseFormat } from '../run.js';

export function register(program: Command): void {
  program
    .command('runs')
    .description('the latest runs: status, attempts, requests, timing and errors (newest report date first)')
    .option('--last <n>', 'how many runs', '20')
    .option('--province <code>', 'one province (default: every province in PROVINCES)')
    .option('--format <format>', 'table or json', 'table')
    .action(
      action(async (opts: { last: string; province?: string; format?: string }) => {
        const format = parseFormat(opts.format, ['table', 'json'] as const, 'table');
        const last = Number(opts.last);
        if (!Number.isInteger(last) || last < 1 || last > 10_000)
          throw new InputError('--last', `"${opts.last}" is not a whole number between 1 and 10000`);
        const province = opts.province?.trim().toUpperCase();
        if (province !== undefined && !/^H\d{2}$/.test(province))
          throw new InputError('--province', `"${opts.province}" is not a province code like H18`);
        const config = configFromEnv();
        const pool = createPool(config.databaseUrl, createLogger(config, process.stderr), 1);
        try {
          const codes = province ? [province] : config.provinces;
          const runs: Run[] = [];
          for (const code of codes) runs.push(...(await listRuns(pool, code, last)));
          runs.sort((a, b) => b.reportDate.localeCompare(a.reportDate) || Number(b.id) - Number(a.id));
          const shown = runs.slice(0, last);
          process.stdout.write(format === 'json' ? toJsonText(shown.map(runToJson)) : formatRunsTable(shown));
        } finally {
          await pool.end();
        }
      }),
    );
}
