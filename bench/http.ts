/**
 * bench/http: requests per second and latency of the HTTP API under a bounded load from a
 * second process on loopback, for a 60-unit province with a year of daily history (year,
 * quarter and month periods):
 *   - the history endpoint (JSON, one unit, one group, one year; and all seven groups);
 *   - the CSV export of a year for the whole province (one row per unit-date, ≈22 000 rows);
 *   - the report endpoint for one date (JSON, the overview's source).
 * Prints the figures; asserts nothing.
 *
 *   npx tsx bench/http.ts        (TEST_DATABASE_URL picks the server)
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { startHttpServer } from '../src/http/server.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from '../tests/helpers/db.js';
import { seedHistory } from '../tests/helpers/seed.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

interface LoadResult {
  latencies: number[];
  statuses: Record<string, number>;
  bytes: number;
  elapsedMs: number;
}

function runLoad(plan: {
  urls: string[];
  concurrency: number;
  maxRequests: number;
  maxMs: number;
}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(HERE, 'http-load.ts'), JSON.stringify(plan)],
      { cwd: path.resolve(HERE, '..'), timeout: plan.maxMs + 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as LoadResult)),
    );
  });
}

function report(label: string, r: LoadResult, concurrency: number): void {
  const s = [...r.latencies].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
  const rps = (s.length / r.elapsedMs) * 1000;
  console.log(
    `${label.padEnd(46)} c=${concurrency}  n=${s.length}  ${rps.toFixed(1)} req/s  p50 ${at(50).toFixed(1)} ms  p95 ${at(95).toFixed(1)} ms  max ${s.at(-1)!.toFixed(1)} ms  ${(r.bytes / s.length / 1024).toFixed(1)} KiB/resp  status ${JSON.stringify(r.statuses)}`,
  );
}

const db = await createTestDatabase();
try {
  const config = loadConfig({
    DATABASE_URL: db.url,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
  });
  let t = performance.now();
  const h = await seedHistory(db.pool, {
    from: '2026-01-01',
    days: 365,
    agencies: 20,
    communes: 39,
    periodTypes: ['year', 'quarter', 'month'],
    runs: false,
    metrics: false,
  });
  await db.pool.query('vacuum analyze');
  console.log(
    `seeded ${h.units.length} units × ${h.dates.length} days (${h.scores.length.toLocaleString('en')} score rows) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const server = await startHttpServer({ config, log: createLogger(config), pool: db.pool });
  try {
    const units = h.units.slice(1).map((u) => u.id);
    const warm = await runLoad({
      urls: units.map((u) => `${server.url}/api/units/${u}/history?group=TTTT&year=2026`),
      concurrency: 4,
      maxRequests: 200,
      maxMs: 10_000,
    });
    console.log(`warm-up: ${warm.latencies.length} requests`);

    t = performance.now();
    const c = 8;
    report(
      'history JSON (1 unit, 1 group, 1 year)',
      await runLoad({
        urls: units.map((u) => `${server.url}/api/units/${u}/history?group=TTTT&year=2026`),
        concurrency: c,
        maxRequests: 3000,
        maxMs: 20_000,
      }),
      c,
    );
    report(
      'history JSON (1 unit, 7 groups, 1 year)',
      await runLoad({
        urls: units.map((u) => `${server.url}/api/units/${u}/history?year=2026`),
        concurrency: c,
        maxRequests: 1500,
        maxMs: 20_000,
      }),
      c,
    );
    report(
      'history CSV (1 unit, 7 groups, 1 year)',
      await runLoad({
        urls: units.map((u) => `${server.url}/api/units/${u}/history/export.csv?year=2026`),
        concurrency: c,
        maxRequests: 1500,
        maxMs: 20_000,
      }),
      c,
    );
    report(
      'province CSV export of a year (60 units)',
      await runLoad({
        urls: [`${server.url}/api/history/export.csv?province=H18&year=2026`],
        concurrency: 2,
        maxRequests: 60,
        maxMs: 30_000,
      }),
      2,
    );
    report(
      'report JSON (one date)',
      await runLoad({
        urls: h.dates.slice(-60).map((d) => `${server.url}/api/report?province=H18&date=${d}`),
        concurrency: c,
        maxRequests: 1000,
        maxMs: 20_000,
      }),
      c,
    );
  } finally {
    await server.close();
  }
} finally {
  await db.drop();
}
