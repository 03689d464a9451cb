/**
 * `dvc-index doctor` against local services: a real database, the shared Redis and a private
 * one that may evict, a real SMTP server that wants a login, real Chromium, and the replay
 * portal (healthy, then answering with a WAF block page). Never the real portal.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { headerSafe, runDoctor } from '../../src/ops/doctor.js';
import { parseScenario } from '../../src/replay/scenario.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { openCircuit } from '../../src/store/circuit.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { runCli } from './cli-child.js';
import { freePort, startThrowawayRedis, type ThrowawayRedis } from './throwaway-redis.js';

const scenario = parseScenario(
  JSON.parse(readFileSync(path.join(import.meta.dirname, 'mini-scenario.json'), 'utf8')),
);

let db: TestDatabase;
let portal: ReplayPortal;
let smtp: SMTPServer;
let smtpPort: number;
let lru: ThrowawayRedis;

beforeAll(async () => {
  db = await createTestDatabase();
  portal = await startReplayPortal({ scenario }, { port: 0 });
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _s, cb) {
      if (auth.username === 'dvc' && auth.password === 'right') cb(null, { user: 'dvc' });
      else cb(new Error('Invalid username or password'));
    },
  });
  smtp.on('error', () => undefined);
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  lru = await startThrowawayRedis('allkeys-lfu');
});
afterAll(async () => {
  await lru?.stop();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  await portal?.close();
  await db?.drop();
});

const lineOf = (out: string, name: string) =>
  out.split('\n').find((l) => new RegExp(`^(PASS|FAIL|SKIP)\\s+${name}\\s`).test(l)) ?? `(no ${name} line)`;

describe('dvc-index doctor', () => {
  it('passes every check against healthy local services and exits 0', async () => {
    const r = await runCli(
      ['doctor'],
      testEnv({
        DATABASE_URL: db.url,
        PORTAL_BASE_URL: portal.url,
        SMTP_URL: `smtp://dvc:right@127.0.0.1:${smtpPort}`,
      }),
    );
    for (const name of ['config', 'postgres', 'redis', 'circuit', 'chromium', 'smtp', 'portal']) {
      expect(lineOf(r.stdout, name)).toMatch(/^PASS/);
    }
    expect(lineOf(r.stdout, 'postgres')).toContain('migrations up to date');
    expect(lineOf(r.stdout, 'redis')).toContain('maxmemory-policy noeviction');
    expect(lineOf(r.stdout, 'smtp')).toContain('accepted the connection and the login');
    expect(lineOf(r.stdout, 'smtp')).not.toContain('right');
    expect(lineOf(r.stdout, 'portal')).toContain('/danh-gia-chat-luong-phuc-vu answered HTTP 200');
    expect(r.stdout).toContain('doctor: all checks passed');
    expect(r.code).toBe(0);
    // One polite request: the page, no API call.
    expect(
      portal
        .requests()
        .filter((q) => !q.path.startsWith('/__'))
        .map((q) => q.call),
    ).toEqual(['page']);
  });

  it('reports each broken part on its own line and exits 2 when the browser is missing, 1 otherwise', async () => {
    const port = portal.url.split(':').at(-1);
    await openCircuit(db.pool, `127.0.0.1:${port}`, {
      reason: 'HTTP 403 on transparency',
      supportId: '987654321',
    });
    portal.setFaults([{ call: 'page', kind: '403', onRequest: 'all' }]);
    try {
      const r = await runCli(
        ['doctor'],
        testEnv({
          DATABASE_URL: db.url,
          REDIS_URL: lru.url,
          PORTAL_BASE_URL: portal.url,
          SMTP_URL: `smtp://dvc:wrong@127.0.0.1:${smtpPort}`,
          CHROMIUM_PATH: '/nonexistent/chromium',
        }),
      );
      // A missing browser is a setup error (exit 2); the other failures alone would be exit 1.
      expect(r.code).toBe(2);
      expect(lineOf(r.stdout, 'postgres')).toMatch(/^PASS/);
      expect(lineOf(r.stdout, 'redis')).toMatch(/^FAIL.*"allkeys-lfu".*REDIS_REQUIRE_NOEVICTION=false/);
      expect(lineOf(r.stdout, 'circuit')).toMatch(
        /^FAIL.*OPEN since .*HTTP 403 on transparency, support id 987654321/,
      );
      expect(lineOf(r.stdout, 'chromium')).toMatch(/^FAIL.*nonexistent.*sudo apt-get install chromium/);
      expect(lineOf(r.stdout, 'smtp')).toMatch(/^FAIL.*SMTP_URL smtp:\/\/dvc:\*\*\*@127\.0\.0\.1.*Invalid/);
      expect(lineOf(r.stdout, 'portal')).toMatch(/^FAIL.*403/);
      expect(r.stdout).toContain('doctor: 5 check(s) failed');

      // With a browser found, the same broken parts are exit 1.
      const withBrowser = await runCli(
        ['doctor'],
        testEnv({
          DATABASE_URL: db.url,
          REDIS_URL: lru.url,
          PORTAL_BASE_URL: portal.url,
          SMTP_URL: `smtp://dvc:wrong@127.0.0.1:${smtpPort}`,
        }),
      );
      expect(withBrowser.code).toBe(1);
      expect(lineOf(withBrowser.stdout, 'chromium')).toMatch(/^PASS.*launched/);
      expect(withBrowser.stdout).toContain('doctor: 4 check(s) failed');
    } finally {
      portal.setFaults([]);
    }
  });

  it('names DATABASE_URL when PostgreSQL is unreachable and skips what needs it', async () => {
    const pgPort = await freePort();
    const checks = await runDoctor(
      loadConfig(
        testEnv({ DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/x`, PORTAL_BASE_URL: portal.url }),
      ),
      { timeoutMs: 3000 },
    );
    const by = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(by.postgres?.status).toBe('fail');
    expect(by.postgres?.detail).toContain('DATABASE_URL');
    expect(by.postgres?.detail).toContain('docker compose up -d postgres');
    expect(by.circuit?.status).toBe('skip');
    expect(by.smtp).toEqual({
      name: 'smtp',
      status: 'skip',
      detail: 'SMTP_URL is empty: mails stay in the outbox',
    });
    expect(by.portal?.status).toBe('pass');
  });

  it('folds the User-Agent to what an HTTP header can carry', () => {
    expect(headerSafe('dvc-index/0.1 (QĐ766 index monitor; Điện Biên)')).toBe(
      'dvc-index/0.1 (QD766 index monitor; Dien Bien)',
    );
  });
});
