import type { Command } from 'commander';
import { createLogger } from '../../logger.js';
import { createPool } from '../../store/db.js';
import { migrate } from '../../store/migrate.js';
import { action, configFromEnv } from '../run.js';

export function register(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (idempotent; safe when several processes start together)')
    .action(
      action(async () => {
        const config = configFromEnv();
        const log = createLogger(config);
        const pool = createPool(config.databaseUrl, log, 1);
        try {
          const res = await migrate(pool, log);
          process.stdout.write(
            res.applied.length > 0
              ? `applied ${res.applied.length} migration(s): ${res.applied.join(', ')}\n`
              : `database is up to date (${res.alreadyApplied} migration(s) applied earlier)\n`,
          );
        } finally {
          await pool.end();
        }
      }),
    );
}
