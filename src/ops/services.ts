/**
 * Reaching PostgreSQL and Redis at start-up, with messages an operator can act on: which
 * variable points where, and how to start the service. Shared by `preflight` (start),
 * `doctor` and `demo`.
 */
import { Redis } from 'ioredis';
import pg from 'pg';

/** Postgres or Redis could not be reached or used; the message names the variable and the fix. */
export class ServiceUnavailableError extends Error {
  override readonly name = 'ServiceUnavailableError';
  constructor(
    readonly variable: 'DATABASE_URL' | 'REDIS_URL',
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
  }
}

const PG_INVALID_CATALOG_NAME = '3D000';
const HOW_TO_START_POSTGRES =
  'start PostgreSQL (docker compose up -d postgres, or on Debian: pg_ctlcluster <version> main start) ' +
  'or point DATABASE_URL at a running server';
const HOW_TO_START_REDIS =
  'start Redis (docker compose up -d redis, or: redis-server --maxmemory-policy noeviction --daemonize yes) ' +
  'or point REDIS_URL at a running server';

/** The URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function reasonOf(e: unknown): string {
  const err = e as { code?: string; message?: string; errors?: Array<{ message?: string }> };
  // AggregateError (IPv4 + IPv6 both refused) carries no message of its own.
  const msg = err.message || err.errors?.map((x) => x.message).join('; ') || String(e);
  return err.code && !msg.includes(err.code) ? `${err.code}: ${msg}` : msg;
}

/** Connect once and run `select 1`; throws {@link ServiceUnavailableError} naming DATABASE_URL. */
export async function checkPostgres(
  databaseUrl: string,
  timeoutMs = 5000,
): Promise<{ serverVersion: string }> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const res = await client.query<{ v: string }>(`select current_setting('server_version') as v`);
    return { serverVersion: res.rows[0]?.v ?? '?' };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === PG_INVALID_CATALOG_NAME) {
      const db = new URL(databaseUrl).pathname.slice(1);
      throw new ServiceUnavailableError(
        'DATABASE_URL',
        `PostgreSQL at ${redactUrl(databaseUrl)} has no database "${db}": create it (createdb ${db}, or run \`dvc-index demo\` which creates it) or fix DATABASE_URL`,
        { cause: e },
      );
    }
    throw new ServiceUnavailableError(
      'DATABASE_URL',
      `cannot reach PostgreSQL at ${redactUrl(databaseUrl)} (DATABASE_URL): ${reasonOf(e)}; ${HOW_TO_START_POSTGRES}`,
      { cause: e },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Create the database named in `databaseUrl` when it does not exist (via the `postgres` database). */
export async function ensureDatabase(databaseUrl: string): Promise<{ created: boolean }> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new ServiceUnavailableError(
      'DATABASE_URL',
      `database name "${name}" in DATABASE_URL is not a plain identifier`,
    );
  }
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    throw new ServiceUnavailableError(
      'DATABASE_URL',
      `cannot reach PostgreSQL at ${redactUrl(databaseUrl)} (DATABASE_URL): ${reasonOf(e)}; ${HOW_TO_START_POSTGRES}`,
      { cause: e },
    );
  }
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount !== 0) return { created: false };
    try {
      await client.query(`create database "${name}"`);
    } catch (e) {
      // Another process created it between our check and our create.
      if ((e as { code?: string }).code === '42P04') return { created: false };
      throw e;
    }
    return { created: true };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A short-lived Redis connection that fails fast instead of retrying forever. */
export function connectRedisOnce(redisUrl: string, timeoutMs = 5000): Redis {
  const r = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  return r;
}

/**
 * Redis's eviction policy, read from `INFO memory` (works where CONFIG is disabled, as on
 * managed Redis). Throws {@link ServiceUnavailableError} naming REDIS_URL when unreachable.
 */
export async function readRedisPolicy(
  redisUrl: string,
  timeoutMs = 5000,
): Promise<{ policy: string; version: string }> {
  const r = connectRedisOnce(redisUrl, timeoutMs);
  try {
    await r.connect();
    const info = await r.info();
    const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown';
    const version = /^redis_version:(\S+)/m.exec(info)?.[1] ?? '?';
    return { policy, version };
  } catch (e) {
    throw new ServiceUnavailableError(
      'REDIS_URL',
      `cannot reach Redis at ${redactUrl(redisUrl)} (REDIS_URL): ${reasonOf(e)}; ${HOW_TO_START_REDIS}`,
      { cause: e },
    );
  } finally {
    r.disconnect();
  }
}
