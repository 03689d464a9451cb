import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { startHttpServer } from '../../http/server.js';
import { createLogger } from '../../logger.js';
import { createPool } from '../../store/db.js';
import { action, configFromEnv } from '../run.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('run only the HTTP API and web page (HTTP_HOST:HTTP_PORT) until SIGINT/SIGTERM')
    .action(
      action(async () => {
        const config = configFromEnv();
        const log = createLogger(config);
        const pool = createPool(config.databaseUrl, log, 5);
        // /readyz and /metrics only read Redis; fail fast per command instead of queueing.
        const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
        redis.on('error', (err) => log.warn({ err }, 'redis error'));
        const server = await startHttpServer({ config, log, pool, redis, queuePrefix: config.queuePrefix });
        process.stdout.write(
          `dvc-index: serving ${server.url}${config.httpToken ? ' (token required)' : ''}\n`,
        );
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            log.info({ signal }, 'shutting down http server');
            resolve();
          };
          process.once('SIGINT', () => stop('SIGINT'));
          process.once('SIGTERM', () => stop('SIGTERM'));
        });
        // Run every closer even if one throws.
        const results = await Promise.allSettled([server.close(), pool.end()]);
        redis.disconnect();
        for (const r of results) if (r.status === 'rejected') log.warn({ err: r.reason }, 'close failed');
      }),
    );
}
