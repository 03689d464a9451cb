/**
 * bench/query: p50/p95 of the read queries on a realistic history, on a scratch database.
 *   - Điện Biên (H18, 60 units): five years of daily snapshots, periods year + quarter + month;
 *   - the other 33 provinces (60 units each by default): one year of daily year-period snapshots.
 * Measured: `history` of one unit-group-year (≈365 points; goal p95 < 5 ms) and the province
 * `report` input for one date (goal p95 < 20 ms), query only. Prints the figures; asserts nothing.
 *
 *   npx tsx bench/query.ts [iterations=300]     (TEST_DATABASE_URL picks the server;
 *                                                BENCH_OTHER_UNITS=60 units per other province)
 *
 * Loading takes minutes on a small machine, so the scratch database `dvc_bench_query` is kept
 * and reused (pending migrations, e.g. new indexes, are applied to it); BENCH_FRESH=1
 * rebuilds it, BENCH_DROP=1 drops it at the end.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { addDays, type IsoDate } from '../src/domain.js';
import { readUnitHistory } from '../src/query/history.js';
import { readLatestReportDate, readProvinceReport } from '../src/query/report.js';
import { PROVINCES } from '../src/source/requests.js';
import { migrate } from '../src/store/migrate.js';
import { TEST_PG_ADMIN_URL } from '../tests/helpers/db.js';
import { insertUnits, makeProvince, type SeedUnit } from '../tests/helpers/seed.js';

const iterations = Number(process.argv[2] ?? 300);
const otherUnits = Number(process.env.BENCH_OTHER_UNITS ?? 60);
const H18_FROM = '2022-01-01';
const H18_DAYS = 1826; // 2022-01-01 … 2026-12-31
const NATIONAL_FROM = '2026-01-01';
const NATIONAL_DAYS = 365;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function summary(label: string, ms: number[], goal: number): string {
  const s = [...ms].sort((a, b) => a - b);
  const p95 = pct(s, 95);
  return `${label.padEnd(44)} n=${s.length}  p50 ${pct(s, 50).toFixed(2)} ms  p95 ${p95.toFixed(2)} ms  max ${s.at(-1)!.toFixed(2)} ms  (goal p95 < ${goal} ms: ${p95 < goal ? 'met' : 'NOT met'})`;
}

/**
 * Server-side bulk load of scores: one INSERT … SELECT from generate_series per province, in
 * date order like the daily ingest writes them. Scores are pseudo-random two-decimal values.
 */
async function loadScores(
  db: { query: (sql: string, params?: unknown[]) => Promise<unknown> },
  provinceId: string,
  from: IsoDate,
  days: number,
  periods: string[],
): Promise<void> {
  await db.query(
    `insert into scores (unit_id, report_date, period_type, period_year, period_number, grp, score, max_score, rank, rank_of)
     select u.id, d::date, pt, extract(year from d)::int,
            case pt when 'year' then 0 when 'quarter' then extract(quarter from d)::int else extract(month from d)::int end,
            g.grp, round((g.mx * (0.4 + 0.55 * random()))::numeric, 2), g.mx,
            case when g.grp = 'TOTAL' then 1 + (random() * 40)::int end, case when g.grp = 'TOTAL' then 40 end
       from generate_series($2::date, $2::date + ($3::int - 1), interval '1 day') d
       cross join (select id from units where id = $1 or province_id = $1) u
       cross join unnest($4::text[]) pt
       cross join (values ('TOTAL', 100), ('CKMB', 18), ('TDGQ', 20), ('CLGQ', 12), ('TTTT', 10), ('MDSH', 22), ('MDHL', 18)) g(grp, mx)`,
    [provinceId, from, days, periods],
  );
}

const DB_NAME = 'dvc_bench_query';
async function admin(sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}
/** The marker this bench writes on the database it creates; it drops nothing without it. */
const BENCH_MARK = 'created by dvc-index bench/query';
async function dropOwnDatabase(): Promise<void> {
  const r = await admin(
    `select shobj_description(oid, 'pg_database') as mark from pg_database where datname = '${DB_NAME}'`,
  );
  if (r.rowCount === 0) return;
  if (r.rows[0].mark !== BENCH_MARK) {
    throw new Error(`database ${DB_NAME} was not created by this bench (no marker); not dropping it`);
  }
  await admin(`drop database ${DB_NAME}`);
}
if (process.env.BENCH_FRESH === '1') await dropOwnDatabase();
const exists = (await admin(`select 1 from pg_database where datname = '${DB_NAME}'`)).rowCount === 1;
if (!exists) {
  await admin(`create database ${DB_NAME}`);
  await admin(`comment on database ${DB_NAME} is '${BENCH_MARK}'`);
}
const url = new URL(TEST_PG_ADMIN_URL);
url.pathname = `/${DB_NAME}`;
const db = { pool: new pg.Pool({ connectionString: url.toString(), max: 2 }) };
await migrate(db.pool);
const loaded = (await db.pool.query('select count(*)::int as n from units')).rows[0].n > 0;
try {
  let t = performance.now();
  const provinces = PROVINCES.map((p) =>
    makeProvince({
      code: p.code,
      agencies: p.code === 'H18' ? 20 : Math.round(otherUnits / 3),
      communes: p.code === 'H18' ? 39 : otherUnits - Math.round(otherUnits / 3) - 1,
    }),
  );
  const all: SeedUnit[] = provinces.flatMap((p) => p.units);
  if (!loaded) await load();
  async function load() {
    await insertUnits(db.pool, all, { firstSeen: H18_FROM, lastSeen: addDays(H18_FROM, H18_DAYS - 1) });
    // Bulk load without the secondary index, then build it (what a restore would do).
    await db.pool.query('drop index scores_date_idx');
    for (const p of provinces) {
      if (p.province.code === 'H18')
        await loadScores(db.pool, p.province.id, H18_FROM, H18_DAYS, ['year', 'quarter', 'month']);
      else await loadScores(db.pool, p.province.id, NATIONAL_FROM, NATIONAL_DAYS, ['year']);
    }
    await db.pool.query(
      'create index scores_date_idx on scores (report_date, period_type, period_year, period_number)',
    );
    await db.pool.query('vacuum analyze scores');
    await db.pool.query('analyze units');
    console.log(`loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const rows = await db.pool.query<{ n: number }>('select count(*)::int as n from scores');
  const size = await db.pool.query<{ s: string }>(
    `select pg_size_pretty(pg_total_relation_size('scores')) as s`,
  );
  const applied = await db.pool.query<{ v: string }>(
    `select string_agg(left(name, 4), ',' order by name) as v from schema_migrations`,
  );
  console.log(
    `${loaded ? 'reused' : 'built'} ${DB_NAME}: ${rows.rows[0]!.n.toLocaleString('en')} score rows (${size.rows[0]!.s}) for ${all.length} units; migrations ${applied.rows[0]!.v}`,
  );

  const h18 = provinces.find((p) => p.province.code === 'H18')!;
  const h18Units = h18.units.slice(1);
  const groups = ['TOTAL', 'CKMB', 'TDGQ', 'CLGQ', 'TTTT', 'MDSH', 'MDHL'] as const;
  const rand = (n: number) => Math.floor(Math.random() * n);

  // Warm the cache the way a running server would be warm.
  for (let i = 0; i < 30; i++) {
    await readUnitHistory(db.pool, {
      unitId: h18Units[rand(h18Units.length)]!.id,
      groups: ['TTTT'],
      periodType: 'year',
      periodYear: 2026,
    });
    await readProvinceReport(db.pool, {
      provinceId: h18.province.id,
      date: addDays(H18_FROM, rand(H18_DAYS)),
      periodType: 'year',
    });
  }

  const history: number[] = [];
  let points = 0;
  for (let i = 0; i < iterations; i++) {
    const unit = h18Units[rand(h18Units.length)]!;
    const year = 2022 + rand(5);
    t = performance.now();
    const page = await readUnitHistory(db.pool, {
      unitId: unit.id,
      groups: [groups[rand(groups.length)]!],
      periodType: 'year',
      periodYear: year,
      limit: 5000,
    });
    history.push(performance.now() - t);
    points += page.items.length;
  }

  const allGroups: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const unit = h18Units[rand(h18Units.length)]!;
    t = performance.now();
    await readUnitHistory(db.pool, {
      unitId: unit.id,
      periodType: 'year',
      periodYear: 2022 + rand(5),
      limit: 5000,
    });
    allGroups.push(performance.now() - t);
  }

  const report: number[] = [];
  let units = 0;
  for (let i = 0; i < iterations; i++) {
    // Half the dates fall in the national year, where every province has rows on that date.
    const date =
      i % 2 === 0 ? addDays(NATIONAL_FROM, rand(NATIONAL_DAYS)) : addDays(H18_FROM, rand(H18_DAYS));
    t = performance.now();
    const r = await readProvinceReport(db.pool, { provinceId: h18.province.id, date, periodType: 'year' });
    report.push(performance.now() - t);
    units += r.units.length;
  }

  const latest: number[] = [];
  for (let i = 0; i < iterations; i++) {
    t = performance.now();
    await readLatestReportDate(db.pool, provinces[rand(provinces.length)]!.province.id, 'year');
    latest.push(performance.now() - t);
  }

  console.log(
    `history points per query: ${(points / iterations).toFixed(0)}; report units per query: ${(units / iterations).toFixed(0)}`,
  );
  console.log(summary('history (one unit, one group, one year)', history, 5));
  console.log(summary('history (one unit, all 7 groups, one year)', allGroups, 20));
  console.log(summary('report input (one province, one date)', report, 20));
  console.log(summary('latest report date (default --date)', latest, 20));
} finally {
  await db.pool.end();
  if (process.env.BENCH_DROP === '1') await dropOwnDatabase();
}
