/**
 * Applies the plain-SQL migrations in `migrations/` in order, each in its own transaction,
 * recorded in `schema_migrations`, under a session advisory lock so that replicas starting
 * together apply each file exactly once (the second waits, then finds nothing to do).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../logger.js';

/** Fixed key of the advisory lock that serialises migrations ("dvcindex" in ASCII). */
export const MIGRATION_ADVISORY_LOCK_KEY = 0x6476_6369_6e64_6578n;
const MIN_SERVER_VERSION = 130000;

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

export interface MigrationFile {
  readonly name: string;
  readonly sql: string;
  readonly sha256: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => /^\d{4}_[a-z0-9_]+\.sql$/.test(n)).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name), 'utf8');
      return { name, sql, sha256: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export interface MigrateResult {
  readonly applied: string[];
  readonly alreadyApplied: number;
}

export async function migrate(pool: pg.Pool, log?: Logger, dir = MIGRATIONS_DIR): Promise<MigrateResult> {
  const files = await readMigrations(dir);
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ v: string }>(`select current_setting('server_version_num') as v`);
    if (Number(rows[0]?.v) < MIN_SERVER_VERSION) {
      throw new Error(`PostgreSQL ${rows[0]?.v} is too old; dvc-index needs 13 or newer`);
    }
    await client.query('select pg_advisory_lock($1)', [MIGRATION_ADVISORY_LOCK_KEY.toString()]);
    try {
      await client.query(`create table if not exists schema_migrations (
        name text primary key,
        sha256 text not null,
        applied_at timestamptz not null default now())`);
      const done = new Map(
        (
          await client.query<{ name: string; sha256: string }>('select name, sha256 from schema_migrations')
        ).rows.map((r) => [r.name, r.sha256]),
      );
      const applied: string[] = [];
      for (const f of files) {
        const prev = done.get(f.name);
        if (prev !== undefined) {
          if (prev !== f.sha256) {
            log?.warn(
              { migration: f.name },
              'applied migration was edited afterwards; add a new file instead',
            );
          }
          continue;
        }
        await client.query('begin');
        try {
          await client.query(f.sql);
          await client.query('insert into schema_migrations (name, sha256) values ($1, $2)', [
            f.name,
            f.sha256,
          ]);
          await client.query('commit');
        } catch (e) {
          await client.query('rollback').catch(() => undefined);
          throw new Error(`migration ${f.name} failed: ${(e as Error).message}`, { cause: e });
        }
        applied.push(f.name);
        log?.info({ migration: f.name }, 'migration applied');
      }
      return { applied, alreadyApplied: done.size };
    } finally {
      await client
        .query('select pg_advisory_unlock($1)', [MIGRATION_ADVISORY_LOCK_KEY.toString()])
        .catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
