/**
 * bench/ingest: how fast `upsertProvinceDay` stores snapshots, against a plain COPY of the
 * same rows into scratch tables, measured side by side in one run on a scratch database.
 *
 *   npx tsx bench/ingest.ts            (TEST_DATABASE_URL picks the server)
 *
 * 1. A national-scale day: 34 provinces × 150 units × 7 groups, 3 sub-metrics per group.
 * 2. A year of Điện Biên-sized days: 365 days × 60 units.
 * For each: first ingest (inserts), an identical re-run (must change nothing), and COPY.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { addDays, GROUP_CODES, GROUP_MAX, type Period } from '../src/domain.js';
import { PROVINCES } from '../src/source/requests.js';
import type {
  MetricObservation,
  ProvinceDay,
  ScoreObservation,
  UnitObservation,
} from '../src/source/types.js';
import { withTransaction } from '../src/store/db.js';
import { upsertProvinceDay } from '../src/store/snapshots.js';
import { createTestDatabase } from '../tests/helpers/db.js';

const METRICS_PER_GROUP = 3;

function uuidFor(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** Deterministic pseudo-random in [0, 1). */
function rand(seed: number): number {
  const x = Math.sin(seed * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

function makeUnits(
  provinceIndex: number,
  provinceId: string,
  code: string,
  count: number,
): UnitObservation[] {
  const units: UnitObservation[] = [
    { id: provinceId, code, name: `Tỉnh ${code}`, kind: 'province', parentId: null },
  ];
  for (let i = 0; i < count; i++) {
    const agency = i < count / 4;
    units.push({
      id: uuidFor(provinceIndex * 10_000 + i + 1),
      code: `${code}.${agency ? i + 1 : 100 + i}`,
      name: agency ? `Sở số ${i + 1} - ${code}` : `UBND xã Thử Nghiệm ${i + 1}`,
      kind: agency ? 'agency' : 'commune',
      parentId: provinceId,
    });
  }
  return units;
}

function makeDay(
  units: UnitObservation[],
  provinceId: string,
  code: string,
  reportDate: string,
  dayIndex: number,
): ProvinceDay {
  const period: Period = { type: 'year', year: Number(reportDate.slice(0, 4)), number: 0 };
  const scores: ScoreObservation[] = [];
  const metrics: MetricObservation[] = [];
  units.forEach((u, ui) => {
    let total = 0;
    for (const [gi, g] of GROUP_CODES.entries()) {
      const max = GROUP_MAX[g];
      const s = Math.round(rand(ui * 31 + gi * 7 + dayIndex) * max * 100) / 100;
      total += s;
      scores.push({ unitId: u.id, group: g, score: s, maxScore: max, rank: null, rankOf: null, flags: [] });
      for (let m = 0; m < METRICS_PER_GROUP; m++) {
        const den = 100 + ui * 3 + m;
        const num = Math.floor(den * rand(ui + m + gi + dayIndex));
        metrics.push({
          unitId: u.id,
          group: g,
          code: `${g}_M${m}`,
          name: `Chỉ số ${g} ${m}`,
          numerator: num,
          denominator: den,
          ratio: Math.round((num / den) * 10000) / 100,
          score: Math.round((s / METRICS_PER_GROUP) * 100) / 100,
          maxScore: Math.round((max / METRICS_PER_GROUP) * 100) / 100,
          qualityStatus: null,
          qualityMessage: null,
        });
      }
    }
    scores.push({
      unitId: u.id,
      group: 'TOTAL',
      score: Math.round(total * 100) / 100,
      maxScore: 100,
      rank: ui + 1,
      rankOf: units.length,
      flags: [],
    });
  });
  return { provinceId, provinceCode: code, reportDate, period, units, scores, metrics, problems: [] };
}

function rowCount(days: ProvinceDay[]): number {
  return days.reduce((n, d) => n + d.units.length + d.scores.length + d.metrics.length, 0);
}

/** TSV field: \N for null, escaped text otherwise. */
function f(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (Array.isArray(v)) return `{${v.join(',')}}`;
  return String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

async function copyRows(client: pg.PoolClient, table: string, lines: Iterable<string>): Promise<void> {
  const stream = client.query(copyFrom(`copy ${table} from stdin`));
  await pipeline(Readable.from(lines), stream);
}

/** A plain COPY of the same rows into scratch tables shaped like ours (no keys, no indexes). */
async function copyDays(pool: pg.Pool, days: ProvinceDay[], runId: string): Promise<void> {
  await withTransaction(pool, async (c) => {
    const units = function* () {
      for (const d of days)
        for (const u of d.units)
          yield `${[u.id, u.code, u.name, u.name?.toLowerCase(), u.kind, u.parentId, d.reportDate, d.reportDate, new Date().toISOString()].map(f).join('\t')}\n`;
    };
    const scores = function* () {
      for (const d of days)
        for (const s of d.scores)
          yield `${[s.unitId, d.reportDate, d.period.type, d.period.year, d.period.number, s.group, s.score, s.maxScore, s.rank, s.rankOf, s.flags, runId].map(f).join('\t')}\n`;
    };
    const metrics = function* () {
      for (const d of days)
        for (const m of d.metrics)
          yield `${[m.unitId, d.reportDate, d.period.type, d.period.year, d.period.number, m.group, m.code, m.name, m.numerator, m.denominator, m.ratio, m.score, m.maxScore, m.qualityStatus, m.qualityMessage].map(f).join('\t')}\n`;
    };
    await copyRows(c, 'scratch_units', units());
    await copyRows(c, 'scratch_scores', scores());
    await copyRows(c, 'scratch_metrics', metrics());
  });
}

async function upsertDays(pool: pg.Pool, days: ProvinceDay[], runId: string): Promise<number> {
  let changed = 0;
  for (const d of days) {
    const r = await withTransaction(pool, (c) => upsertProvinceDay(c, runId, d));
    changed += r.changed.units + r.changed.scores + r.changed.metrics;
  }
  return changed;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const v = await fn();
  return [v, Number(process.hrtime.bigint() - t0) / 1e6];
}

async function resetScratch(pool: pg.Pool): Promise<void> {
  await pool.query('truncate scratch_units, scratch_scores, scratch_metrics');
}

async function measure(
  pool: pg.Pool,
  label: string,
  days: ProvinceDay[],
  runId: string,
  batches: ProvinceDay[][],
) {
  const rows = rowCount(days);
  await resetScratch(pool);
  // COPY first and upsert second, then the other way round, so neither gets a warmer cache.
  const [, copyMs1] = await timed(async () => {
    for (const b of batches) await copyDays(pool, b, runId);
  });
  const [changedFirst, upsertMs] = await timed(() => upsertDays(pool, days, runId));
  const [changedAgain, rerunMs] = await timed(() => upsertDays(pool, days, runId));
  await resetScratch(pool);
  const [, copyMs2] = await timed(async () => {
    for (const b of batches) await copyDays(pool, b, runId);
  });
  const copyMs = Math.min(copyMs1, copyMs2);
  const perS = (ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en-US');
  console.log(`\n${label}: ${days.length} province-day(s), ${rows.toLocaleString('en-US')} rows`);
  console.log(
    `  upsertProvinceDay, first ingest : ${upsertMs.toFixed(0).padStart(7)} ms  ${perS(upsertMs).padStart(10)} rows/s  (${changedFirst} rows written)`,
  );
  console.log(
    `  upsertProvinceDay, identical rerun: ${rerunMs.toFixed(0).padStart(5)} ms  ${perS(rerunMs).padStart(10)} rows/s  (${changedAgain} rows written)`,
  );
  console.log(
    `  plain COPY into scratch tables  : ${copyMs.toFixed(0).padStart(7)} ms  ${perS(copyMs).padStart(10)} rows/s`,
  );
  console.log(
    `  ratio first ingest / COPY: ${(upsertMs / copyMs).toFixed(2)}×   rerun / COPY: ${(rerunMs / copyMs).toFixed(2)}×`,
  );
}

const db = await createTestDatabase();
try {
  const pool = db.pool;
  await pool.query(`create table scratch_units (like units); create table scratch_scores (like scores);
    create table scratch_metrics (like metrics)`);
  const run = await pool.query<{ id: string }>(
    `insert into runs (province_code, report_date, trigger, status) values ('H00', '2026-11-26', 'manual', 'collected') returning id::text as id`,
  );
  const runId = run.rows[0]?.id ?? '';

  // 1. national day: 34 provinces × 150 units; COPY in one batch per province as the upsert does
  const national = PROVINCES.map((p, i) =>
    makeDay(makeUnits(i + 1, p.id, p.code, 149), p.id, p.code, '2026-11-26', 0),
  );
  await measure(
    pool,
    'national-scale day (34 × 150 units × 7 groups + 18 sub-metrics)',
    national,
    runId,
    national.map((d) => [d]),
  );

  // 2. a year of Điện Biên-sized days (60 units), one province-day per transaction
  const h18 = PROVINCES.find((p) => p.code === 'H18') ?? { id: randomUUID(), code: 'H18' };
  const units = makeUnits(99, h18.id, 'H18', 59);
  const year = Array.from({ length: 365 }, (_, i) =>
    makeDay(units, h18.id, 'H18', addDays('2025-01-01', i), i),
  );
  await measure(
    pool,
    'a year of Điện Biên-sized days (365 × 60 units)',
    year,
    runId,
    year.map((d) => [d]),
  );
} finally {
  await db.drop();
}
