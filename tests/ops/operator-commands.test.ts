/**
 * The operator commands as an operator runs them (the CLI as a child process) against a real
 * database: `circuit status|close`, `runs`, and `reingest` after a real collect from the replay
 * portal (which then must not see a single further request).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/replay/scenario.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { openCircuit } from '../../src/store/circuit.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis.js';
import { runCli } from './cli-child.js';

const scenario = parseScenario(
  JSON.parse(readFileSync(path.join(import.meta.dirname, 'mini-scenario.json'), 'utf8')),
);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('circuit', () => {
  // Each test has its own portal host, so the circuit rows do not interfere.
  const envFor = (port: number) =>
    testEnv({ DATABASE_URL: db.url, PORTAL_BASE_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'info' });

  it('status says closed and exits 0 for a host never blocked', async () => {
    const r = await runCli(['circuit', 'status'], envFor(1001));
    expect(r.stdout).toContain('circuit for 127.0.0.1:1001: closed');
    expect(r.code).toBe(0);
  });

  it('status shows an open circuit with its reason and support id and exits 3; close logs the reason', async () => {
    await openCircuit(db.pool, '127.0.0.1:1002', {
      reason: 'WAF block page on the evaluation page',
      supportId: '1234567890123456789',
    });
    const open = await runCli(['circuit', 'status'], envFor(1002));
    expect(open.code).toBe(3);
    expect(open.stdout).toContain('circuit for 127.0.0.1:1002: OPEN since');
    expect(open.stdout).toContain('reason: WAF block page on the evaluation page');
    expect(open.stdout).toContain('support id: 1234567890123456789');
    expect(open.stdout).toContain('dvc-index circuit close --reason');

    const close = await runCli(
      ['circuit', 'close', '--reason', 'allow-list updated by the portal team', '--by', 'Nguyễn Văn An'],
      envFor(1002),
    );
    expect(close.code).toBe(0);
    expect(close.stdout).toContain('closed by Nguyễn Văn An: allow-list updated by the portal team');
    expect(close.stdout).toContain('collects the latest due day within RECONCILE_EVERY');
    // The pino line on stderr: fields first, the reason and who closed it.
    const logLine = close.stderr.split('\n').find((l) => l.includes('circuit closed by operator'));
    expect(JSON.parse(logLine ?? '{}')).toMatchObject({
      host: '127.0.0.1:1002',
      reason: 'allow-list updated by the portal team',
      by: 'Nguyễn Văn An',
    });
    const row = await db.pool.query(`select state, closed_by, close_reason from circuit where host = $1`, [
      '127.0.0.1:1002',
    ]);
    expect(row.rows).toEqual([
      { state: 'closed', closed_by: 'Nguyễn Văn An', close_reason: 'allow-list updated by the portal team' },
    ]);
    const events = await db.pool.query(
      `select action, reason from circuit_events where host = $1 order by id`,
      ['127.0.0.1:1002'],
    );
    expect(events.rows).toEqual([
      { action: 'open', reason: 'WAF block page on the evaluation page' },
      { action: 'close', reason: 'allow-list updated by the portal team (by Nguyễn Văn An)' },
    ]);

    const after = await runCli(['circuit', 'status'], envFor(1002));
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('last closed');
    expect(after.stdout).toMatch(/open\s+WAF block page/);

    const again = await runCli(['circuit', 'close', '--reason', 'second time'], envFor(1002));
    expect(again.stdout).toContain('was already closed; nothing changed');
  });

  it('close without --reason, or with an empty one, is bad input (exit 2)', async () => {
    const none = await runCli(['circuit', 'close'], envFor(1003));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("required option '--reason <text>' not specified");
    const empty = await runCli(['circuit', 'close', '--reason', '  '], envFor(1003));
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--reason:');
  });
});

describe('runs', () => {
  beforeAll(async () => {
    await db.pool.query(
      `insert into runs (province_code, report_date, trigger, status, periods, attempts, request_count,
         error_class, error_message, started_at, finished_at)
       values ('H18', '2026-11-24', 'schedule', 'done', '{year}', 1, 9, null, null,
               '2026-11-24T21:30:00Z', '2026-11-24T21:30:12.5Z'),
              ('H18', '2026-11-25', 'schedule', 'blocked', '{year}', 1, 1, 'PortalBlockedError',
               'the portal''s firewall rejected the evaluation page', '2026-11-25T21:30:00Z', '2026-11-25T21:30:01Z'),
              ('H18', '2026-11-26', 'catchup', 'queued', '{year}', 0, 0, null, null, null, null),
              ('H44', '2026-11-26', 'manual', 'done', '{year}', 1, 9, null, null, null, null)`,
    );
  });

  it('lists the newest runs first as a table with status, requests and the error', async () => {
    const r = await runCli(['runs', '--last', '3'], testEnv({ DATABASE_URL: db.url, PROVINCES: 'H18' }));
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s*run\s+province\s+report date\s+trigger\s+status/);
    expect(lines.slice(2).map((l) => l.match(/2026-11-\d\d\s+\w+\s+\w+/)?.[0].replace(/\s+/g, ' '))).toEqual([
      '2026-11-26 catchup queued',
      '2026-11-25 schedule blocked',
      '2026-11-24 schedule done',
    ]);
    expect(r.stdout).toContain("PortalBlockedError: the portal's firewall rejected the evaluation page");
    expect(r.stdout).toMatch(/2026-11-24\s+schedule\s+done\s+1\s+9\s+2026-11-24T21:30:00Z\s+12\.5/);
  });

  it('prints JSON, limited by --last, and filters by --province', async () => {
    const r = await runCli(
      ['runs', '--last', '2', '--format', 'json'],
      testEnv({ DATABASE_URL: db.url, PROVINCES: 'H18,H44' }),
    );
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((x) => [x.provinceCode, x.reportDate, x.status])).toEqual([
      ['H44', '2026-11-26', 'done'],
      ['H18', '2026-11-26', 'queued'],
    ]);
    const one = await runCli(
      ['runs', '--province', 'h44', '--format', 'json'],
      testEnv({ DATABASE_URL: db.url }),
    );
    expect((JSON.parse(one.stdout) as unknown[]).length).toBe(1);
  });

  it("counts each run's problems by kind and spells out the refused values under the table", async () => {
    const summary = {
      ingest: {
        units: 60,
        problemCount: 3,
        problemKinds: { 'invalid-value': 2, 'missing-unit': 1 },
        problems: [
          {
            periodKey: '2026',
            kind: 'invalid-value',
            message:
              'formality-online-payment-tree (TTTT): Sở Tài chính (H18.02, 00000000-0000-4000-8000-000000000002): score 1e+30 is outside 0–10 (its max); stored as null [data.children[1].totalScore]',
          },
          {
            periodKey: '2026',
            kind: 'invalid-value',
            message:
              'service-results: H18.01 (…): departmentName "Sở Y tế\\x00" has a control character (U+0000) at position 8; the name is not used',
          },
          { periodKey: '2026', kind: 'missing-unit', message: 'X is missing from transparency (CKMB)' },
        ],
      },
    };
    await db.pool.query(
      `insert into runs (province_code, report_date, trigger, status, periods, attempts, request_count, summary)
       values ('H18', '2026-11-23', 'schedule', 'done', '{year}', 1, 9, $1)`,
      [summary],
    );
    const r = await runCli(['runs', '--last', '10'], testEnv({ DATABASE_URL: db.url, PROVINCES: 'H18' }));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2026-11-23\s+schedule\s+done.*3 \(invalid-value 2, missing-unit 1\)/);
    expect(r.stdout).toContain('values refused, the rest of the day stored:');
    expect(r.stdout).toContain('[2026] invalid-value: formality-online-payment-tree (TTTT): Sở Tài chính');
    expect(r.stdout).not.toContain('missing-unit: X is missing');
  });

  it('rejects a bad --last, --province or --format with exit 2 naming the flag', async () => {
    const env = testEnv({ DATABASE_URL: db.url });
    for (const [args, flag] of [
      [['--last', 'ten'], '--last'],
      [['--province', 'Dien Bien'], '--province'],
      [['--format', 'xml'], '--format'],
    ] as const) {
      const r = await runCli(['runs', ...args], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(flag);
    }
  });
});

describe('reingest', () => {
  let portal: ReplayPortal;
  let prefix: string;
  beforeAll(async () => {
    portal = await startReplayPortal({ scenario }, { port: 0, date: '2026-11-02' });
    prefix = uniquePrefix('reingest');
  });
  afterAll(async () => {
    await portal?.close();
    if (prefix) await deletePrefix(prefix);
  });

  it('re-parses the stored captures, restores the scores, and sends nothing to the portal', async () => {
    const env = testEnv({
      DATABASE_URL: db.url,
      PORTAL_BASE_URL: portal.url,
      QUEUE_PREFIX: prefix,
      PROVINCES: 'H18',
      PERIODS: 'year',
      CATCH_UP: 'false',
    });
    const collected = await runCli(['collect', '--province', 'H18', '--date', '2026-11-02', '--wait'], env);
    expect(collected.stdout, collected.stderr.slice(-3000)).toContain('done');
    expect(collected.code).toBe(0);
    const requestsAfterCollect = portal.requests().length;
    expect(requestsAfterCollect).toBeGreaterThan(0);

    const read = () =>
      db.pool
        .query<{ code: string; score: string | null }>(
          `select u.code, s.score::text as score from scores s join units u on u.id = s.unit_id
           where s.report_date = '2026-11-02' and s.grp = 'TTTT' and s.period_type = 'year' order by u.code`,
        )
        .then((r) => r.rows);
    const before = await read();
    expect(before).toEqual([
      { code: 'H18', score: '5.30' },
      { code: 'H18.01', score: '4.20' },
      { code: 'H18.100', score: '6.40' },
    ]);
    // Damage the stored history as a parser bug would have.
    await db.pool.query(`update scores set score = null where report_date = '2026-11-02' and grp = 'TTTT'`);

    const r = await runCli(['reingest', '--date', '2026-11-02', '--province', 'H18'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^H18 2026-11-02 \(run \d+\): 3 units, \d+ scores, \d+ metrics re-parsed from stored captures; 3 row\(s\) changed; 0 problem\(s\)/,
    );
    expect(await read()).toEqual(before);
    expect(portal.requests().length).toBe(requestsAfterCollect);

    // Twice changes nothing.
    const again = await runCli(['reingest', '--date', '2026-11-02'], env);
    expect(again.stdout).toContain('0 row(s) changed');
  });

  it('names --date when the day has no run or is malformed (exit 2)', async () => {
    const env = testEnv({ DATABASE_URL: db.url, PROVINCES: 'H18' });
    const none = await runCli(['reingest', '--date', '2026-10-01'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--date: no run for H18 on 2026-10-01');
    const bad = await runCli(['reingest', '--date', '1/11/2026'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--date: "1/11/2026" is not a date');
  });
});
