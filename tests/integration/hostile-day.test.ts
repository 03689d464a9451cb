/**
 * One bad value never sinks a day, end to end: the real pipeline (collect with the direct
 * transport → ingest → detect → notify, real PostgreSQL and Redis) against the replay
 * portal, behind a small proxy that spoils one day's answers the way a broken portal would:
 * Sở Y tế's name carries a NUL byte in every list, Sở Tài chính's TTTT score is 1e30.
 *
 * - The spoiled day is stored: every other unit's full day, Sở Y tế's scores (its stored
 *   name kept), Sở Tài chính's other groups; its TTTT stored as null, never 0; both problems
 *   recorded in the run summary (and shown by `runs`, /api/runs).
 * - The next day's detect treats the unusable values as null: Sở Tài chính's TTTT back at its
 *   old value is not compared with 1e30 or 0 — no fall, no episode.
 * - A run whose month period has no answers (the replay portal has no data yet for that
 *   month) leaves the province's stored name as the portal gave it, never its code.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Pipeline, startPipeline } from '../../src/main.js';
import { formatRunsTable } from '../../src/ops/operator.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { enqueueCollect } from '../../src/schedule/enqueue-collect.js';
import { getRunByDay } from '../../src/store/runs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis.js';
import { pipelineConfig, waitFor } from './pipeline/helpers.js';
import { PROVINCE_ID, pipelineScenario, UNIT_IDS } from './pipeline/scenario.js';

const DAYS = ['2026-11-20', '2026-11-21', '2026-11-22'];
const SPOILED = '2026-11-21';
/** After the scenario's last day: its month (December) has no answers at all. */
const NO_MONTH = '2026-12-01';
const NUL_NAME = 'Sở Y tế - tỉnh Điện Biên\u0000';

let db: TestDatabase;
let replay: ReplayPortal;
let proxy: Server;
let pipeline: Pipeline;
let config: Config;
let spoil = false;
const prefix = uniquePrefix('hostile-day');

/** Rows of a list answer (any shape), the province's own row included. */
function rowsOf(data: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const k of ['evaluation', 'children'])
    if (Array.isArray(data[k])) out.push(...(data[k] as Record<string, unknown>[]));
  return out;
}

/** The broken portal: on the spoiled day, one name with a NUL byte, one score of 1e30. */
function spoilBody(path: string, body: Buffer): Buffer {
  if (!spoil || !path.startsWith('/api/')) return body;
  let json: { data?: Record<string, unknown> };
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (!json.data) return body;
  for (const row of rowsOf(json.data)) {
    if (row.departmentId === UNIT_IDS.health) row.departmentName = NUL_NAME;
    if (row.departmentId === UNIT_IDS.finance && path.endsWith('/formality-online-payment-tree'))
      row.totalScore = 1e30;
  }
  return Buffer.from(JSON.stringify(json), 'utf8');
}

function startProxy(target: string): Promise<Server> {
  const t = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const up = httpRequest(
        {
          host: t.hostname,
          port: t.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: t.host },
        },
        (upRes) => {
          const parts: Buffer[] = [];
          upRes.on('data', (c: Buffer) => parts.push(c));
          upRes.on('end', () => {
            const body = spoilBody(new URL(req.url ?? '/', target).pathname, Buffer.concat(parts));
            const headers = { ...upRes.headers, 'content-length': String(body.length) };
            delete headers['transfer-encoding'];
            res.writeHead(upRes.statusCode ?? 502, headers);
            res.end(body);
          });
        },
      );
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(Buffer.concat(chunks));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function runDay(day: string): Promise<string> {
  replay.setDate(day > DAYS.at(-1)! ? DAYS.at(-1)! : day);
  await enqueueCollect(pipeline.deps, { provinceCode: 'H18', reportDate: day, trigger: 'manual' });
  return waitFor(
    `run ${day}`,
    async () => {
      const run = await getRunByDay(db.pool, 'H18', day);
      if (run?.status === 'failed' || run?.status === 'blocked')
        throw new Error(`run ${day} ended ${run.status}: ${run.errorClass} ${run.errorMessage}`);
      return run?.status === 'done' ? run.status : null;
    },
    90_000,
  );
}

const score = async (unitId: string, group: string, day: string) =>
  (
    await db.pool.query<{ score: string | null }>(
      `select score from scores where unit_id = $1 and grp = $2 and report_date = $3 and period_type = 'year'`,
      [unitId, group, day],
    )
  ).rows;

beforeAll(async () => {
  db = await createTestDatabase();
  // The pipeline tests' scenario without its planned fall: every day the same figures.
  const scenario = { ...pipelineScenario(DAYS), days: Object.fromEntries(DAYS.map((d) => [d, {}])) };
  replay = await startReplayPortal({ scenario }, { port: 0, date: DAYS[0] });
  proxy = await startProxy(replay.url);
  config = pipelineConfig({
    dbUrl: db.url,
    prefix,
    portalUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    extra: { PORTAL_TRANSPORT: 'direct', ALERT_PERIODS: 'year', JOB_ATTEMPTS: '1' },
  });
  pipeline = await startPipeline(config, createLogger(config), {
    scheduler: false,
    http: false,
    now: () => new Date('2026-12-02T05:00:00+07:00'),
  });
  for (const day of DAYS) {
    spoil = day === SPOILED;
    await runDay(day);
  }
  spoil = false;
}, 400_000);

afterAll(async () => {
  await pipeline?.stop();
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await replay?.close();
  await deletePrefix(prefix);
  await db?.drop();
});

describe('a replayed day with a NUL in a name and a score of 1e30', () => {
  it("stores the other units' full day and the spoiled units' usable values", async () => {
    const perUnit = await db.pool.query<{ unit_id: string; n: number }>(
      `select unit_id, count(*)::int as n from scores where report_date = $1 and period_type = 'year' group by unit_id`,
      [SPOILED],
    );
    const counts = Object.fromEntries(perUnit.rows.map((r) => [r.unit_id, r.n]));
    // TOTAL + six groups for the province and each of the four units: nothing lost
    expect(counts).toEqual({
      [PROVINCE_ID]: 7,
      [UNIT_IDS.health]: 7,
      [UNIT_IDS.finance]: 7,
      [UNIT_IDS.muongPhang]: 7,
      [UNIT_IDS.thanhXuong]: 7,
    });
    // the same values as the clean day before for every unit the spoiling did not touch
    const same = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from scores a join scores b using (unit_id, grp, period_type, period_year, period_number)
        where a.report_date = $1 and b.report_date = $2 and a.period_type = 'year'
          and a.score is not distinct from b.score and not (a.unit_id = $3 and a.grp = 'TTTT')`,
      [SPOILED, DAYS[0], UNIT_IDS.finance],
    );
    expect(same.rows[0]!.n).toBe(34);
    // the unusable score is null — not 0, not clipped
    expect(await score(UNIT_IDS.finance, 'TTTT', SPOILED)).toEqual([{ score: null }]);
    // the unusable name never replaced the stored one
    const health = await db.pool.query(`select name from units where id = $1`, [UNIT_IDS.health]);
    expect(health.rows[0].name).toBe('Sở Y tế - tỉnh Điện Biên');
    expect((await score(UNIT_IDS.health, 'TTTT', SPOILED))[0]!.score).not.toBeNull();
  });

  it('records both problems in the run summary, naming the unit, the group and the value', async () => {
    const run = (await getRunByDay(db.pool, 'H18', SPOILED))!;
    expect(run.status).toBe('done');
    const ingest = (run.summary as { ingest: Record<string, unknown> }).ingest as {
      problemKinds: Record<string, number>;
      problems: {
        periodKey: string;
        kind: string;
        field?: string;
        unitId?: string;
        group?: string;
        value?: string;
        message: string;
      }[];
    };
    const refused = ingest.problems.filter((p) => p.kind === 'invalid-value' && p.periodKey === '2026');
    expect(refused.map((p) => [p.unitId, p.group ?? null, p.field, p.value])).toEqual(
      expect.arrayContaining([
        [UNIT_IDS.health, null, 'departmentName', '"Sở Y tế - tỉnh Điện Biên\\x00"'],
        [UNIT_IDS.finance, 'TTTT', 'score', '1e+30'],
      ]),
    );
    expect(refused).toHaveLength(2);
    expect(refused.find((p) => p.field === 'departmentName')!.message).toContain(
      'the same in 6 other answers',
    );
    expect(ingest.problemKinds['invalid-value']).toBeGreaterThanOrEqual(2);
    // shown to the operator without opening the JSON
    const table = formatRunsTable([run]);
    expect(table).toMatch(/invalid-value \d/);
    expect(table).toContain('score 1e+30 is outside 0–10 (its max); stored as null');
    expect(table).not.toMatch(/\u0000/);
  });

  it("the next day's detect treats the unusable values as null: never a fall, never 0", async () => {
    // Sở Tài chính's TTTT is back at its clean value: compared with the last usable one, equal
    expect(await score(UNIT_IDS.finance, 'TTTT', DAYS[2]!)).toEqual(
      await score(UNIT_IDS.finance, 'TTTT', DAYS[0]!),
    );
    const events = await db.pool.query(
      `select kind, unit_id, grp, report_date::text as d from alert_events where unit_id in ($1, $2)`,
      [UNIT_IDS.finance, UNIT_IDS.health],
    );
    expect(events.rows).toEqual([]);
    const episodes = await db.pool.query(`select * from alerts where unit_id in ($1, $2)`, [
      UNIT_IDS.finance,
      UNIT_IDS.health,
    ]);
    expect(episodes.rows).toEqual([]);
    // and detect ran for both days
    for (const d of [SPOILED, DAYS[2]!]) expect((await getRunByDay(db.pool, 'H18', d))?.status).toBe('done');
  });
});

describe('a period with no answers', () => {
  it("leaves the province's stored name as the portal gave it, never its code", async () => {
    await runDay(NO_MONTH);
    const run = (await getRunByDay(db.pool, 'H18', NO_MONTH))!;
    const ingest = (run.summary as { ingest: { problems: { periodKey: string; kind: string }[] } }).ingest;
    // every month call failed (the portal has no December yet), the year was answered
    const month = ingest.problems.filter((p) => p.periodKey === '2026-M12');
    expect(month.map((p) => p.kind)).toEqual(Array(8).fill('missing-call'));
    const province = await db.pool.query(`select code, name, last_seen::text from units where id = $1`, [
      PROVINCE_ID,
    ]);
    expect(province.rows[0]).toEqual({ code: 'H18', name: 'UBND tỉnh Điện Biên', last_seen: NO_MONTH });
    // and nothing of the month was invented
    const monthRows = await db.pool.query(
      `select count(*)::int as n from scores where report_date = $1 and period_type = 'month'`,
      [NO_MONTH],
    );
    expect(monthRows.rows[0].n).toBe(0);
  });
});
