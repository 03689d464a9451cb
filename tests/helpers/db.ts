/**
 * A fresh, migrated PostgreSQL database per test file: the migrations run once into a
 * template named after their hash, then every caller clones it (CREATE DATABASE … TEMPLATE),
 * which takes a few tens of milliseconds. Never mock pg.
 */
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrate, readMigrations } from '../../src/store/migrate.js';

export const TEST_PG_ADMIN_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TEMPLATE_LOCK = 0x7465_6d70n;

function dbUrl(name: string): string {
  const u = new URL(TEST_PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  try {
    await c.connect();
  } catch (e) {
    throw new Error(
      `cannot reach PostgreSQL at ${TEST_PG_ADMIN_URL} (${(e as Error).message}); start it or set TEST_DATABASE_URL`,
    );
  }
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function ensureTemplate(): Promise<string> {
  const files = await readMigrations();
  const hash = createHash('sha256')
    .update(files.map((f) => f.sha256).join(','))
    .digest('hex')
    .slice(0, 12);
  const name = `dvc_tpl_${hash}`;
  await admin(async (c) => {
    await c.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK.toString()]);
    try {
      const exists = await c.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) {
        await c.query(`create database ${name}`);
        const pool = new pg.Pool({ connectionString: dbUrl(name), max: 1 });
        try {
          await migrate(pool);
        } finally {
          await pool.end();
        }
      }
    } finally {
      await c.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK.toString()]);
    }
  });
  return name;
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly pool: pg.Pool;
  /** Ends the pool and drops the database. */
  drop(): Promise<void>;
}

/** A new migrated database; call `drop()` in afterAll. */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `dvc_t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  if (opts.migrated === false) await admin((c) => c.query(`create database ${name}`));
  else {
    const template = await ensureTemplate();
    await admin((c) => c.query(`create database ${name} template ${template}`));
  }
  const url = dbUrl(name);
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  pool.on('error', () => undefined);
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}
