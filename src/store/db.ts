import pg from 'pg';
import type { Logger } from '../logger.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** SQLSTATE codes we react to (never match on message text). */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_SERIALIZATION_FAILURE = '40001';
export const PG_DEADLOCK = '40P01';

/**
 * A pool with an error listener attached: without it an idle client's error (Postgres
 * restarting) would kill the process.
 */
export function createPool(databaseUrl: string, log?: Logger, max = 5): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, application_name: 'dvc-index' });
  pool.on('error', (err) => log?.warn({ err }, 'idle postgres client error'));
  // A connection lost while a client is checked out (PostgreSQL restarted mid-transaction)
  // is emitted on that client; without a listener it would crash the process. The query in
  // flight fails with the same error, and the pool replaces the client.
  pool.on('connect', (client) =>
    client.on('error', (err) => log?.debug({ err }, 'postgres connection lost; the next query reconnects')),
  );
  return pool;
}

/** Run `fn` inside one transaction; commit on success, roll back on any error. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (e) {
    await client.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
