/**
 * The demo's database preparation never destroys what the demo did not create: another
 * application's objects or real history make it refuse (naming DATABASE_URL), an earlier
 * demo's rows are removed table by table (ours only), and no database is ever dropped.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { DEMO_OWNERSHIP, prepareDemoDatabase } from '../../src/ops/demo.js';
import { createPool } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
});

async function freshDb(migrated: boolean): Promise<TestDatabase> {
  const d = await createTestDatabase({ migrated });
  dbs.push(d);
  return d;
}

async function tables(d: TestDatabase): Promise<string[]> {
  const r = await d.pool.query<{ t: string }>(
    `select tablename as t from pg_tables where schemaname = 'public' order by 1`,
  );
  return r.rows.map((x) => x.t);
}

async function insertRun(d: TestDatabase, trigger: string, day = '2026-11-20'): Promise<void> {
  await d.pool.query(
    `insert into runs (province_code, report_date, trigger, status) values ('H18', $1, $2, 'done')`,
    [day, trigger],
  );
}

describe('prepareDemoDatabase', () => {
  it('classifies every table the migrations create (a new table must say how the demo tells its data apart)', async () => {
    const d = await freshDb(true);
    expect(await tables(d)).toEqual(Object.keys(DEMO_OWNERSHIP).sort());
  });

  it.each([
    [
      'a table',
      'create table orders (id int primary key, what text); insert into orders values (1, $$keep me$$)',
    ],
    ['a schema', 'create schema billing'],
    ['a view', 'create view v_now as select now() as at'],
    ['a function', 'create function f_one() returns int language sql as $$select 1$$'],
    ['an enum type', `create type mood as enum ('ok', 'not ok')`],
    ['a sequence', 'create sequence invoice_no'],
  ])(
    'refuses a database holding %s of another application, naming DATABASE_URL, and leaves it',
    async (_what, ddl) => {
      for (const migrated of [false, true]) {
        const d = await freshDb(migrated);
        await d.pool.query(ddl);
        if (migrated) await insertRun(d, 'demo');
        const before = await tables(d);
        const err = await prepareDemoDatabase(d.url).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InputError);
        expect((err as InputError).field).toBe('DATABASE_URL');
        expect((err as Error).message).toMatch(/that are not dvc-index's .*dedicated database/);
        expect(await tables(d)).toEqual(before);
        if (migrated) expect((await d.pool.query('select count(*)::int as n from runs')).rows[0].n).toBe(1);
        if (ddl.includes('orders'))
          expect((await d.pool.query('select what from orders')).rows).toEqual([{ what: 'keep me' }]);
      }
    },
  );

  it.each([
    [
      'a scheduled run',
      `insert into runs (province_code, report_date, trigger, status) values ('H18', '2026-11-20', 'schedule', 'done')`,
    ],
    [
      'a circuit opened against the real portal',
      `insert into circuit (host, state) values ('dichvucong.gov.vn', 'open')`,
    ],
  ])('refuses a database holding real history (%s)', async (_what, sql) => {
    const d = await freshDb(true);
    await insertRun(d, 'demo', '2026-11-01');
    await d.pool.query(sql);
    const err = await prepareDemoDatabase(d.url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain('already holds real history');
    expect(await tables(d)).toEqual(Object.keys(DEMO_OWNERSHIP).sort());
  });

  it('uses an empty or freshly migrated database as it is', async () => {
    expect(await prepareDemoDatabase((await freshDb(false)).url)).toBe('existing');
    const d = await freshDb(true);
    expect(await prepareDemoDatabase(d.url)).toBe('existing');
    expect(await tables(d)).toEqual(Object.keys(DEMO_OWNERSHIP).sort());
  });

  it("drops only an earlier demo's tables, never the database, and leaves other sessions connected", async () => {
    const d = await freshDb(true);
    await insertRun(d, 'demo');
    await insertRun(d, 'gap', '2026-11-19');
    await d.pool.query(`insert into circuit (host, state) values ('127.0.0.1:41234', 'closed')`);
    const other = new pg.Client({ connectionString: d.url });
    await other.connect();
    try {
      expect(await prepareDemoDatabase(d.url)).toBe('reset');
      expect(await tables(d)).toEqual([]);
      // The other session was not killed, and the database is the same one.
      expect((await other.query('select current_database() as db')).rows[0].db).toBe(d.name);
    } finally {
      await other.end();
    }
    const pool = createPool(d.url, undefined, 1);
    try {
      await migrate(pool);
    } finally {
      await pool.end();
    }
    expect(await tables(d)).toEqual(Object.keys(DEMO_OWNERSHIP).sort());
  });
});
