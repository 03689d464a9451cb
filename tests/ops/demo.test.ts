/**
 * `dvc-index demo --days 3` end to end, as a user runs it (a child process) against the local
 * PostgreSQL and Redis: the real pipeline against the replay portal, mails into the catcher.
 * What it prints is checked against what it stored.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDatabase } from '../../src/ops/services.js';
import { TEST_PG_ADMIN_URL } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { runCli } from './cli-child.js';
import { freePort } from './throwaway-redis.js';

const outbox = mkdtempSync(path.join(tmpdir(), 'dvc-demo-test-'));
const databases: string[] = [];
function freshDbUrl(): string {
  const name = `dvc_t_demo_${Math.random().toString(36).slice(2, 10)}`;
  databases.push(name);
  const u = new URL(TEST_PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

afterAll(async () => {
  rmSync(outbox, { recursive: true, force: true });
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  try {
    for (const d of databases) await c.query(`drop database if exists ${d} with (force)`);
  } finally {
    await c.end();
  }
});

function demoEnv(databaseUrl: string, over: Record<string, string> = {}): Record<string, string> {
  // The demo forces its own portal, SMTP and queue prefix; nothing else is needed.
  const env = testEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', ...over });
  delete env.PORTAL_BASE_URL;
  return env;
}

describe('dvc-index demo', () => {
  it('runs three days through the real pipeline and prints the report, histories, alerts and mails', async () => {
    const url = freshDbUrl();
    const r = await runCli(['demo', '--days', '3', '--outbox', outbox], demoEnv(url), 170_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;

    expect(out).toContain(
      'dvc-index demo: UBND tỉnh Điện Biên (H18), 3 report date(s) 2026-11-01 … 2026-11-03',
    );
    expect(out).toMatch(/database\s+postgres:\/\/.*\/dvc_t_demo_\w+ \(created\)/);
    const dayLines = out.split('\n').filter((l) => /^ {2}2026-11-0\d {2}/.test(l));
    expect(dayLines.map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual([
      '2026-11-01 done',
      '2026-11-02 done',
      '2026-11-03 done',
    ]);

    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      // The report printed is the stored one: the province's total and the agency count.
      const total = await db.query<{ score: string }>(
        `select s.score::text as score from scores s join units u on u.id = s.unit_id
         where u.code = 'H18' and s.grp = 'TOTAL' and s.period_type = 'year' and s.report_date = '2026-11-03'`,
      );
      const agencies = await db.query<{ n: string }>(`select count(*) as n from units where kind = 'agency'`);
      expect(out).toContain('== dvc-index report --province H18 --date 2026-11-03');
      expect(out).toMatch(
        new RegExp(`H18\\s+UBND tỉnh Điện Biên\\s+${total.rows[0]?.score.replace('.', '\\.')}`),
      );
      expect(out).toContain(`Sở, ban, ngành (${agencies.rows[0]?.n})`);

      // Two histories of three days each.
      const histories = out.split('== dvc-index history').slice(1);
      expect(histories).toHaveLength(2);
      for (const h of histories) expect(h.match(/^2026-11-0[123]\s+2026\s/gm)).toHaveLength(3);

      // Every stored alert episode is listed.
      const alerts = await db.query<{ code: string; grp: string }>(
        `select u.code, a.grp from alerts a join units u on u.id = a.unit_id order by a.id`,
      );
      expect(alerts.rows.length).toBeGreaterThan(0);
      const alertSection = out.slice(out.indexOf('== dvc-index alerts'), out.indexOf('== mails'));
      for (const a of alerts.rows)
        expect(alertSection).toMatch(new RegExp(`${a.code.replace('.', '\\.')}\\s.*\\s${a.grp}\\s`));

      // Mails: what the outbox sent is what the catcher saved, readable, with diacritics.
      const sent = await db.query<{ subject: string; recipients: string[] }>(
        `select subject, recipients from outbox where state = 'sent' order by id`,
      );
      const files = readdirSync(outbox)
        .filter((f) => f.endsWith('.eml'))
        .sort();
      expect(files.length).toBe(sent.rows.length);
      expect(files.length).toBeGreaterThan(0);
      expect(out).toContain(`== mails: ${files.length} delivered to the SMTP catcher`);
      for (const [i, f] of files.entries()) {
        const mail = await simpleParser(readFileSync(path.join(outbox, f)));
        expect(mail.subject).toBe(sent.rows[i]?.subject);
        expect(mail.subject).toContain('Điện Biên');
        expect(out).toContain(`  ${mail.subject}`);
        expect(mail.html || '').toContain('Điện Biên');
      }
    } finally {
      await db.end();
    }

    expect(out).toMatch(/npx dvc-index serve\n {2}then open http:\/\/127\.0\.0\.1:8080\//);

    // A second demo on the database the first one created works too: it removes only the
    // earlier demo's tables (never the database) and runs again.
    const again = await runCli(['demo', '--days', '1', '--outbox', outbox], demoEnv(url), 170_000);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/database\s+postgres:\/\/.*\/dvc_t_demo_\w+ \(reset\)/);
    expect(again.stdout).toMatch(/^ {2}2026-11-01 {2}done/m);
    // The private queue prefix is gone from Redis.
    const prefix = /prefix (dvc-demo-\w+)/.exec(out)?.[1];
    expect(prefix).toBeDefined();
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  }, 180_000);

  it('refuses a database holding real history, naming DATABASE_URL (exit 2)', async () => {
    const url = freshDbUrl();
    await ensureDatabase(url);
    const mig = await runCli(['migrate'], testEnv({ DATABASE_URL: url }));
    expect(mig.code).toBe(0);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      await db.query(
        `insert into runs (province_code, report_date, trigger, status) values ('H18', '2026-11-25', 'schedule', 'done')`,
      );
    } finally {
      await db.end();
    }
    const r = await runCli(['demo', '--days', '1'], demoEnv(url));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DATABASE_URL: database "');
    expect(r.stderr).toContain('already holds real history (1 run(s) or row(s) the demo did not make)');
  });

  it("refuses, twice, a database holding another application's table, and leaves the table and its row", async () => {
    const url = freshDbUrl();
    await ensureDatabase(url);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      await db.query(
        `create table orders (id int primary key, what text); insert into orders values (1, 'keep me')`,
      );
      for (let i = 0; i < 2; i++) {
        const r = await runCli(['demo', '--days', '1'], demoEnv(url));
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(
          /^dvc-index: DATABASE_URL: database "dvc_t_demo_\w+" holds 1 object\(s\) that are not dvc-index's \(table public\.orders\)/,
        );
        expect(r.stderr).toContain('dedicated database');
        expect((await db.query('select id, what from orders')).rows).toEqual([{ id: 1, what: 'keep me' }]);
        const t = await db.query(`select tablename from pg_tables where schemaname = 'public'`);
        expect(t.rows).toEqual([{ tablename: 'orders' }]);
      }
    } finally {
      await db.end();
    }
  });

  it('names DATABASE_URL or REDIS_URL and how to start them when unreachable (exit 1)', async () => {
    const port = await freePort();
    const noPg = await runCli(
      ['demo', '--days', '1'],
      demoEnv(`postgres://postgres@127.0.0.1:${port}/dvc_index`),
    );
    expect(noPg.code).toBe(1);
    expect(noPg.stderr).toContain(
      `cannot reach PostgreSQL at postgres://postgres@127.0.0.1:${port}/dvc_index (DATABASE_URL)`,
    );
    expect(noPg.stderr).toContain('docker compose up -d postgres');
    const noRedis = await runCli(
      ['demo', '--days', '1'],
      demoEnv(freshDbUrl(), { REDIS_URL: `redis://127.0.0.1:${port}` }),
    );
    expect(noRedis.code).toBe(1);
    expect(noRedis.stderr).toContain(`cannot reach Redis at redis://127.0.0.1:${port} (REDIS_URL)`);
    expect(noRedis.stderr).toContain('docker compose up -d redis');
  });

  it('rejects a --days beyond the scenario (exit 2)', async () => {
    const r = await runCli(['demo', '--days', '99'], demoEnv(freshDbUrl()));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--days: must be a whole number between 1 and 20');
  });
});
