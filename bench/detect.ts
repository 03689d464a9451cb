/**
 * bench/detect: how long `runDetect` takes for a Điện Biên-sized province (150 units) late in
 * the year, when it replays the whole year period of TTTT, MDSH and TOTAL, on a scratch
 * database. Prints the figures; asserts nothing.
 *
 *   npx tsx bench/detect.ts [days=330]      (TEST_DATABASE_URL picks the server)
 */
import { performance } from 'node:perf_hooks';
import { runDetect } from '../jobs/detect.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from '../tests/helpers/db.js';
import { defaultGroupScore, seedHistory } from '../tests/helpers/seed.js';

const days = Number(process.argv[2] ?? 330);
const db = await createTestDatabase();
try {
  const config = loadConfig({ DATABASE_URL: db.url, ALERT_TO: 'bench@example.gov.vn', LOG_LEVEL: 'silent' });
  const log = createLogger(config);
  let t = performance.now();
  // The seed's slow wave makes many small decreases: a busy year for the rules.
  const h = await seedHistory(db.pool, {
    from: '2026-01-01',
    days,
    agencies: 30,
    communes: 119,
    runs: false,
    value: (u, g, d) => defaultGroupScore(u, g, d),
  });
  const seedMs = performance.now() - t;
  const scores = await db.pool.query('select count(*)::int as n from scores');
  const last = h.dates.at(-1) as string;
  t = performance.now();
  const first = await runDetect(db.pool, config, log, { provinceCode: 'H18', reportDate: last, runId: null });
  const firstMs = performance.now() - t;
  t = performance.now();
  await runDetect(db.pool, config, log, { provinceCode: 'H18', reportDate: last, runId: null });
  const againMs = performance.now() - t;
  const counts = await db.pool.query(
    `select (select count(*)::int from alerts) as alerts, (select count(*)::int from alert_events) as events`,
  );
  process.stdout.write(
    `${JSON.stringify(
      {
        units: h.units.length,
        days: h.dates.length,
        scoreRows: scores.rows[0].n,
        seedMs: Math.round(seedMs),
        detectFirstMs: Math.round(firstMs),
        detectAgainMs: Math.round(againMs),
        alerts: counts.rows[0].alerts,
        events: counts.rows[0].events,
        eventsOnLastDay: first.counts,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await db.drop();
}
