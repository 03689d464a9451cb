/**
 * Start-up checks `dvc-index start` runs before it schedules or works anything: PostgreSQL
 * and Redis are reachable (else a message naming DATABASE_URL / REDIS_URL and how to start
 * them), Redis will not evict queue keys (BullMQ loses jobs silently under any other
 * `maxmemory-policy`; overridable with REDIS_REQUIRE_NOEVICTION=false), then the pending
 * migrations are applied under their advisory lock unless MIGRATE_ON_START=false.
 */
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createPool } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { checkPostgres, readRedisPolicy } from './services.js';

export interface PreflightResult {
  readonly postgresVersion: string;
  readonly redisVersion: string;
  readonly redisPolicy: string;
  /** Migrations applied by this call (empty when up to date or MIGRATE_ON_START=false). */
  readonly migrationsApplied: readonly string[];
}

/** The refusal for a Redis that may evict; a ConfigError so the CLI exits 2 naming the variables. */
export function evictionPolicyError(policy: string): ConfigError {
  return new ConfigError([
    {
      variable: 'REDIS_URL',
      message:
        `Redis's maxmemory-policy is "${policy}", so it may evict queued jobs; set it to noeviction ` +
        '(redis-cli CONFIG SET maxmemory-policy noeviction, and in redis.conf) or, knowingly, ' +
        'set REDIS_REQUIRE_NOEVICTION=false',
    },
  ]);
}

/**
 * Check the services and migrate. Throws `ServiceUnavailableError` (exit 1) when Postgres or
 * Redis cannot be reached and `ConfigError` (exit 2) when Redis may evict keys.
 */
export async function preflight(
  config: Pick<Config, 'databaseUrl' | 'redisUrl' | 'redisRequireNoeviction' | 'migrateOnStart'>,
  log: Logger,
): Promise<PreflightResult> {
  const { serverVersion } = await checkPostgres(config.databaseUrl);
  const { policy, version } = await readRedisPolicy(config.redisUrl);
  if (policy !== 'noeviction') {
    if (config.redisRequireNoeviction) throw evictionPolicyError(policy);
    log.warn({ policy }, 'redis may evict queue keys; continuing because REDIS_REQUIRE_NOEVICTION=false');
  }
  let applied: string[] = [];
  if (config.migrateOnStart) {
    const pool = createPool(config.databaseUrl, log, 1);
    try {
      applied = (await migrate(pool, log)).applied;
    } finally {
      await pool.end();
    }
  }
  log.info(
    { postgres: serverVersion, redis: version, redisPolicy: policy, migrationsApplied: applied.length },
    'preflight passed',
  );
  return {
    postgresVersion: serverVersion,
    redisVersion: version,
    redisPolicy: policy,
    migrationsApplied: applied,
  };
}
