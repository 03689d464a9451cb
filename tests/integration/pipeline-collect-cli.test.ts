/**
 * `dvc-index collect` as the operator runs it: bad flags exit 2 naming the flag; `--wait`
 * runs the day through every stage and prints the summary (exit 0); a blocked portal exits 3,
 * opens the circuit, and the next collect is refused without asking the portal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOfRun, parseCollectFlags, renderRunSummary } from '../../src/cli/commands/collect.js';
import { addDays } from '../../src/domain.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { latestDueReportDate } from '../../src/schedule/due.js';
import { getRunByDay } from '../../src/store/runs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis.js';
import { pipelineConfig, pipelineEnv, spawnChild } from './pipeline/helpers.js';
import { pipelineScenario } from './pipeline/scenario.js';

let db: TestDatabase;
let replay: ReplayPortal;
let due: string;
const prefix = uniquePrefix('cli');
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  const probe = pipelineConfig({ dbUrl: db.url, prefix, portalUrl: 'http://127.0.0.1:9' });
  due = latestDueReportDate(new Date(), probe);
  const days = Array.from({ length: 7 }, (_, i) => addDays(due, i - 6));
  replay = await startReplayPortal({ scenario: pipelineScenario(days) }, { port: 0, date: due });
  env = pipelineEnv({ dbUrl: db.url, prefix, portalUrl: replay.url, extra: { LOG_LEVEL: 'warn' } });
});
afterAll(async () => {
  await replay?.close();
  await deletePrefix(prefix);
  await db?.drop();
});

async function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawnChild(['bin/dvc-index.js', 'collect', ...args], env);
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), 90_000);
  const code = await child.exited;
  clearTimeout(timer);
  return { code, out: child.output() };
}

describe('collect flags', () => {
  const config = pipelineConfig({
    dbUrl: 'postgres://x@127.0.0.1/x',
    prefix: 'p',
    portalUrl: 'http://127.0.0.1:9',
  });
  const now = new Date('2026-11-27T05:00:00+07:00');
  it('defaults to the first province, the latest due day and the configured periods', () => {
    expect(parseCollectFlags({}, config, now)).toEqual({
      provinceCode: 'H18',
      reportDate: '2026-11-26',
      periods: ['year', 'month'],
      waitMs: null,
    });
    expect(
      parseCollectFlags({ province: 'h01', date: '2026-01-05', period: 'quarter', wait: true }, config, now),
    ).toEqual({
      provinceCode: 'H01',
      reportDate: '2026-01-05',
      periods: ['quarter'],
      waitMs: 1_800_000,
    });
  });
  it.each([
    [{ province: 'H99' }, '--province'],
    [{ date: '2026-02-30' }, '--date'],
    [{ date: '2026-11-27' }, '--date'],
    [{ period: 'week' }, '--period'],
    [{ wait: true, timeout: 'soon' }, '--timeout'],
  ])('%o is refused naming %s', (flags, field) => {
    expect(() => parseCollectFlags(flags, config, now)).toThrow(expect.objectContaining({ field }));
  });
});

describe('dvc-index collect', () => {
  it('exits 2 naming the bad flag, before touching anything', async () => {
    const bad = await cli(['--date', '2026-13-01']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('--date');
    const prov = await cli(['--province', 'H99']);
    expect(prov.code).toBe(2);
    expect(prov.out).toContain('--province');
    expect(replay.requests()).toHaveLength(0);
  }, 60_000);

  it('--wait runs the day through every stage and prints the summary', async () => {
    const res = await cli(['--province', 'H18', '--date', due, '--wait', '--timeout', '80']);
    expect(res.code, res.out).toBe(0);
    expect(res.out).toContain(`H18 ${due} — done`);
    expect(res.out).toMatch(/units:\s+5/);
    expect(res.out).toMatch(/scores:\s+70 stored/);
    expect(res.out).toMatch(/requests:\s+\d+/);
    const run = await getRunByDay(db.pool, 'H18', due);
    expect(run && exitCodeOfRun(run)).toBe(0);
    expect(run && renderRunSummary(run)).toContain('problems: 0');
  }, 120_000);

  it('a blocked portal exits 3 and opens the circuit; the next collect is refused', async () => {
    const day = addDays(due, -1);
    replay.setFaults([{ call: 'transparency', kind: '403', onRequest: 1 }]);
    const blocked = await cli(['--date', day, '--wait', '--timeout', '80']);
    expect(blocked.code, blocked.out).toBe(3);
    expect(blocked.out).toContain(`H18 ${day} — blocked`);
    const circuit = await db.pool.query(`select state from circuit`);
    expect(circuit.rows).toEqual([{ state: 'open' }]);
    expect((await getRunByDay(db.pool, 'H18', day))?.errorClass).toBe('PortalBlockedError');
    // the 403 answer is stored like any other capture
    const caps = await db.pool.query(
      `select http_status from captures c join runs r on r.id = c.run_id where r.report_date = $1 and c.endpoint = 'transparency'`,
      [day],
    );
    expect(caps.rows).toEqual([{ http_status: 403 }]);

    replay.setFaults([]);
    replay.resetRequests();
    const refused = await cli(['--date', day, '--wait', '--timeout', '80']);
    expect(refused.code, refused.out).toBe(3);
    expect(refused.out).toContain('CircuitOpenError');
    expect(replay.requests()).toHaveLength(0);
  }, 200_000);
});
