import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { formatReingest, reingestDay } from '../../ops/reingest.js';
import { isUsableDate } from '../../query/inputs.js';
import { createPool } from '../../store/db.js';
import { action, configFromEnv } from '../run.js';

export function register(program: Command): void {
  program
    .command('reingest')
    .description(
      "re-parse a day's stored captures and update the stored scores, without any request to the portal",
    )
    .requiredOption('--date <YYYY-MM-DD>', 'report date')
    .option('--province <code>', 'one province (default: every province in PROVINCES)')
    .action(
      action(async (opts: { date: string; province?: string }) => {
        if (!isUsableDate(opts.date))
          throw new InputError('--date', `"${opts.date}" is not a date like 2026-11-26`);
        const province = opts.province?.trim().toUpperCase();
        if (province !== undefined && !/^H\d{2}$/.test(province))
          throw new InputError('--province', `"${opts.province}" is not a province code like H18`);
        const config = configFromEnv();
        const log = createLogger(config, process.stderr);
        const pool = createPool(config.databaseUrl, log, 2);
        try {
          for (const code of province ? [province] : config.provinces) {
            process.stdout.write(formatReingest(await reingestDay({ config, log, pool }, code, opts.date)));
          }
        } finally {
          await pool.end();
        }
      }),
    );
}
