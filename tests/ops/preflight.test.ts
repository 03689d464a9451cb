/**
 * The start-up path: bad configuration → exit 2 naming the variable; Redis that may evict →
 * refusal with the reason (overridable); unreachable services → a message naming the
 * variable and how to start them; two processes migrating at once → one applies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { preflight } from '../../src/ops/preflight.js';
import { ServiceUnavailableError } from '../../src/ops/services.js';
import { readMigrations } from '../../src/store/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { runCli } from './cli-child.js';
import { freePort, startThrowawayRedis, type ThrowawayRedis } from './throwaway-redis.js';

const log = createLogger({ logLevel: 'silent' });
let db: TestDatabase;
let lru: ThrowawayRedis;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
  lru = await startThrowawayRedis('allkeys-lru');
});
afterAll(async () => {
  await lru?.stop();
  await db?.drop();
});

describe('configuration errors at start-up (CLI as a child process)', () => {
  it.each([
    ['migrate', { PORTAL_MIN_GAP_MS: 'soon' }, 'PORTAL_MIN_GAP_MS: must be a whole number'],
    ['migrate', { DATABASE_URL: '' }, 'DATABASE_URL: must be a URL'],
    [
      'doctor',
      { REDIS_URL: 'http://127.0.0.1:6379' },
      'REDIS_URL: must be a URL with a host (redis: or rediss:',
    ],
    ['demo', { ALERT_TO: 'not-an-address' }, 'ALERT_TO: "not-an-address" is not an e-mail address'],
  ])('`dvc-index %s` with %o exits 2 naming the variable', async (cmd, env, message) => {
    const r = await runCli([cmd], testEnv({ LOG_LEVEL: 'silent', ...env }));
    expect(r.stderr).toContain('invalid configuration');
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
  });

  it('reports every bad variable at once', async () => {
    const r = await runCli(['migrate'], testEnv({ TZ: 'Mars/Olympus', HTTP_PORT: '99999' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('TZ: must be an IANA time zone');
    expect(r.stderr).toContain('HTTP_PORT: must be between 0 and 65535');
  });
});

describe('preflight', () => {
  const base = (over: Record<string, string> = {}) =>
    loadConfig(testEnv({ DATABASE_URL: db.url, MIGRATE_ON_START: 'false', ...over }));

  it('refuses a Redis whose maxmemory-policy may evict keys, naming the policy and the override', async () => {
    const err = await preflight(base({ REDIS_URL: lru.url }), log).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('REDIS_URL');
    expect(err.message).toContain('"allkeys-lru"');
    expect(err.message).toContain('REDIS_REQUIRE_NOEVICTION=false');
  });

  it('accepts that Redis when REDIS_REQUIRE_NOEVICTION=false', async () => {
    const res = await preflight(base({ REDIS_URL: lru.url, REDIS_REQUIRE_NOEVICTION: 'false' }), log);
    expect(res.redisPolicy).toBe('allkeys-lru');
  });

  it('accepts the shared noeviction Redis and migrates when MIGRATE_ON_START=true', async () => {
    const files = (await readMigrations()).map((f) => f.name);
    const res = await preflight(base({ MIGRATE_ON_START: 'true' }), log);
    expect(res.redisPolicy).toBe('noeviction');
    expect(res.migrationsApplied).toEqual(files);
    const again = await preflight(base({ MIGRATE_ON_START: 'true' }), log);
    expect(again.migrationsApplied).toEqual([]);
  });

  it('names DATABASE_URL and how to start PostgreSQL when it is unreachable', async () => {
    const port = await freePort();
    const err = await preflight(base({ DATABASE_URL: `postgres://u:secret@127.0.0.1:${port}/x` }), log).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err.message).toContain('DATABASE_URL');
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toContain('docker compose up -d postgres');
    expect(err.message).not.toContain('secret');
  });

  it('names REDIS_URL and how to start Redis when it is unreachable', async () => {
    const port = await freePort();
    const err = await preflight(base({ REDIS_URL: `redis://127.0.0.1:${port}` }), log).catch((e) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err.message).toContain('REDIS_URL');
    expect(err.message).toContain('docker compose up -d redis');
  });
});

describe('`dvc-index start` refuses to start (CLI as a child process)', () => {
  it('on a Redis that may evict, with the reason and the override (exit 2)', async () => {
    const r = await runCli(['start'], testEnv({ DATABASE_URL: db.url, REDIS_URL: lru.url }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('REDIS_URL: Redis\'s maxmemory-policy is "allkeys-lru"');
    expect(r.stderr).toContain('REDIS_REQUIRE_NOEVICTION=false');
  });

  it('when PostgreSQL is unreachable, naming DATABASE_URL and how to start it (exit 1)', async () => {
    const port = await freePort();
    const r = await runCli(
      ['start'],
      testEnv({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/dvc_index` }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `cannot reach PostgreSQL at postgres://postgres@127.0.0.1:${port}/dvc_index (DATABASE_URL)`,
    );
    expect(r.stderr).toContain('docker compose up -d postgres');
  });

  it('when Redis is unreachable, naming REDIS_URL and how to start it (exit 1)', async () => {
    const port = await freePort();
    const r = await runCli(
      ['start'],
      testEnv({ DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${port}` }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach Redis at redis://127.0.0.1:${port} (REDIS_URL)`);
    expect(r.stderr).toContain('docker compose up -d redis');
  });

  it('on a bad variable, before connecting to anything (exit 2)', async () => {
    const r = await runCli(
      ['start'],
      testEnv({ CRON_SCHEDULE: 'every morning', DATABASE_URL: 'postgres://nowhere.invalid/x' }),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CRON_SCHEDULE: must be a cron expression');
    expect(r.stderr).not.toContain('nowhere.invalid');
  });
});

describe('migrations racing from two processes', () => {
  it('one process applies them, the other finds nothing to do, both exit 0', async () => {
    const race = await createTestDatabase({ migrated: false });
    try {
      const env = testEnv({ DATABASE_URL: race.url });
      const [a, b] = await Promise.all([runCli(['migrate'], env), runCli(['migrate'], env)]);
      expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
      const files = (await readMigrations()).map((f) => f.name);
      const outs = [a.stdout, b.stdout];
      expect(outs.filter((o) => o.startsWith(`applied ${files.length} migration(s)`))).toHaveLength(1);
      expect(outs.filter((o) => o.startsWith('database is up to date'))).toHaveLength(1);
      const rows = await race.pool.query<{ name: string }>(
        'select name from schema_migrations order by name',
      );
      expect(rows.rows.map((r) => r.name)).toEqual(files);
    } finally {
      await race.drop();
    }
  });
});
