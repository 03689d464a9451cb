/**
 * The fault matrix (`npm run test:faults`): each fault against the real pipeline — real
 * PostgreSQL, Redis, Chromium, an SMTP server and the replay portal with its fault kinds —
 * then the row's database and mailbox are compared with the scenario's truth (the same days
 * collected without a fault). Prints one table at the end:
 * `fault | expected | observed | days lost | rows doubled | mails doubled | mails lost`; every
 * lost/doubled figure must be 0, and each row's own expectation must hold.
 *
 * Bounded: every wait has a deadline, every process and server is stopped by the row that
 * started it, and the whole matrix runs in a few minutes on two cores.
 */

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { IsoDate } from '../../src/domain.js';
import { addDays } from '../../src/domain.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { latestDueReportDate } from '../../src/schedule/due.js';
import { testEnv } from '../helpers/env.js';
import { type Child, killChild, spawnChild, stopChild } from '../integration/pipeline/helpers.js';
import { runCli } from '../ops/cli-child.js';
import { chromiumBelow, copyDatabase, startOwnPostgres, startOwnRedis } from './own-services.js';
import { faultDays, faultScenario } from './scenario.js';
import {
  buildWorld,
  dropWorld,
  type FaultSmtp,
  newRow,
  ROWS,
  type Row,
  renderTable,
  startFaultSmtp,
  type WorldOptions,
  waitFor,
} from './world.js';

let world: WorldOptions;
let portal: ReplayPortal;
let smtp: FaultSmtp;
let days: IsoDate[];
let D1: IsoDate;

beforeAll(async () => {
  // The days end on today's due report date (the cron row needs the real clock's date).
  const due = latestDueReportDate(new Date(), loadConfig(testEnv({ CRON_SCHEDULE: '0 0 * * *' })));
  days = faultDays(due);
  D1 = days[1]!;
  portal = await startReplayPortal({ scenario: faultScenario(days) }, { port: 0, date: days[0] });
  smtp = await startFaultSmtp();
  world = await buildWorld(portal, smtp, days);
}, 120_000);

afterAll(async () => {
  // One table for the whole matrix (stdout, so `npm run test:faults` shows it).
  process.stdout.write(`\nFault matrix (${ROWS.length} rows)\n${renderTable(ROWS)}\n\n`);
  await dropWorld(world);
  await smtp?.close();
  await portal?.close();
});

/** Run one row: its body, then the audit, the cleanup, and the row's assertions. */
async function row(
  fault: string,
  expected: string,
  body: (r: Row) => Promise<{ days: IsoDate[]; mails: string[]; withheldGroups?: string[] }>,
): Promise<void> {
  const r = await newRow(world, fault, expected);
  portal.setFaults([]);
  portal.resetRequests();
  try {
    const what = await body(r);
    await r.mailsSettled();
    await r.audit(what);
  } catch (e) {
    r.result.problems.push((e as Error).message.split('\n')[0]!.slice(0, 300));
    r.result.observed ||= 'did not finish';
    throw e;
  } finally {
    portal.setFaults([]);
    await r.close();
  }
  expect.soft(r.result.problems, `${fault}: ${r.logs.slice(-10).join('')}`).toEqual([]);
  expect(r.result.daysLost, 'days lost').toBe(0);
  expect(r.result.rowsDoubled, 'rows doubled').toBe(0);
  expect(r.result.mailsDoubled, 'mails doubled').toBe(0);
  expect(r.result.mailsLost, 'mails lost').toBe(0);
}

const digest = (day: IsoDate) => world.truth.digests.get(day) ?? [];
const apiRequests = () =>
  portal.requests().filter((q) => q.call !== null && q.call !== 'page' && !q.fromPageScript).length;

/**
 * A transient portal fault: the run ends done, as the truth, retried by the queue (a second
 * attempt) or, where `inRun` allows it, by one polite retry of the call within the run.
 */
async function transient(
  r: Row,
  rule: Parameters<ReplayPortal['setFaults']>[0][number],
  extra: Record<string, string> = {},
  inRun = false,
) {
  portal.setDate(D1);
  const p = await r.pipeline(extra);
  portal.setFaults([rule]);
  await r.enqueue(p.deps, D1);
  await r.until(D1);
  const run = await r.run(D1);
  const fired = portal.requests().filter((q) => q.fault !== null).length;
  const calls = apiRequests();
  r.result.observed = `fault fired ${fired}×; run done after ${run?.attempts} attempt(s), ${calls} API requests`;
  r.expect(fired === 1, `the fault fired ${fired} times`);
  const retriedInRun = inRun && run?.attempts === 1 && calls === 9;
  r.expect(
    run?.attempts === 2 || retriedInRun,
    `attempts ${run?.attempts}, ${calls} requests: not one retry`,
  );
  return { days: [D1], mails: digest(D1) };
}

/** A spoilt answer (format): stored as a failed capture, the rest of the day stored, operator told. */
async function spoilt(r: Row, rule: Parameters<ReplayPortal['setFaults']>[0][number], groups: string[]) {
  portal.setDate(D1);
  const p = await r.pipeline();
  portal.setFaults([rule]);
  await r.enqueue(p.deps, D1);
  await r.until(D1);
  const run = await r.run(D1);
  // Marked: refused when collected (formatFailures) or by the parser at ingest (a problem).
  const summary = (run?.summary ?? {}) as {
    formatFailures?: unknown[];
    ingest?: { problems?: Array<{ kind: string; message: string }> };
  };
  const failures = [
    ...(summary.formatFailures ?? []),
    ...(summary.ingest?.problems ?? []).filter((p) => p.message.includes('unusable answer')),
  ];
  const op = `operator-format-H18-${D1}`;
  const opMail = r.received().filter((m) => m.key === op).length;
  r.result.observed = `run ${run?.status} (attempts ${run?.attempts}); ${failures.length} call marked unusable; operator mail ${opMail}×; ${groups.join('/')} of that answer not stored (null, never 0)`;
  r.expect(failures.length === 1, `${failures.length} format failures in the run summary, expected 1`);
  r.expect(run?.attempts === 1, 'a format error is not retried');
  return { days: [D1], mails: [...digest(D1), op], withheldGroups: groups };
}

describe('fault matrix', () => {
  it('portal 5xx then recovery', async () => {
    await row('portal 503 on one call', 'retried with backoff, day stored once', (r) =>
      transient(r, { call: '*', onRequest: 3, kind: '503' }),
    );
  });

  it('timeout', async () => {
    await row('portal hangs (timeout)', 'request times out, run retried, day stored once', (r) =>
      transient(
        r,
        { call: 'dossier-digitized', onRequest: 1, kind: 'hang' },
        { PORTAL_TIMEOUT_MS: '1500' },
        true,
      ),
    );
  });

  it('connection reset', async () => {
    await row('connection reset mid-answer', 'run retried, day stored once', (r) =>
      transient(r, { call: 'transparency', onRequest: 1, kind: 'drop' }, {}, true),
    );
  });

  it('invalid JSON', async () => {
    await row(
      'invalid JSON answer',
      'call marked failed, operator mail, rest stored, nothing half-stored',
      (r) => spoilt(r, { call: 'transparency', onRequest: 1, kind: 'invalid-json' }, ['CKMB']),
    );
  });

  it('envelope code not OK', async () => {
    await row('envelope code not OK', 'call marked failed, operator mail, rest stored', (r) =>
      spoilt(r, { call: 'handling-satisfaction', onRequest: 1, kind: 'code-not-ok' }, ['MDHL']),
    );
  });

  it('a required field missing', async () => {
    await row('required field missing', 'run marked, operator mail, nothing half-stored', (r) =>
      spoilt(r, { call: 'dossier-digitized', onRequest: 1, kind: 'missing-field' }, ['MDSH']),
    );
  });

  for (const [kind, label] of [
    ['403', 'portal 403 (WAF page)'],
    ['429', 'portal 429'],
  ] as const) {
    it(label, async () => {
      await row(
        label,
        'circuit opens, 0 further requests, operator mail once, `circuit close` resumes',
        async (r) => {
          portal.setDate(D1);
          const p = await r.pipeline();
          portal.setFaults([{ call: '*', onRequest: 3, kind }]);
          await r.enqueue(p.deps, D1);
          await r.until(D1, ['blocked']);
          // BullMQ files the job as failed right after the run says blocked.
          await waitFor('the blocked job failed', async () => {
            return (await p.deps.queues.collect.getJobState(`collect-H18-${D1}`)) === 'failed';
          });
          const afterBlock = apiRequests();
          // The hourly retry of the day and the next tick: refused by the open circuit, no request.
          const { enqueueCollect } = await import('../../src/schedule/enqueue-collect.js');
          const { clearFailedJob } = await import('../../src/queue/queues.js');
          await enqueueCollect(
            p.deps,
            { provinceCode: 'H18', reportDate: D1, trigger: 'schedule', retryFailed: true },
            (id) => clearFailedJob(p.deps.queues, 'collect', id),
          );
          await r.until(D1, ['blocked']);
          await new Promise((res) => setTimeout(res, 500));
          const further = apiRequests() - afterBlock;
          await r.mailsSettled();
          const op = `operator-blocked-H18-${D1}`;
          const opMails = r.received().filter((m) => m.key === op).length;
          const env = r.env();
          const close = await runCli(['circuit', 'close', '--reason', 'fault matrix', '--by', 'faults'], env);
          r.expect(close.code === 0, `circuit close exited ${close.code}: ${close.stderr.slice(-300)}`);
          const resume = await runCli(['collect', '--date', D1], env);
          r.expect(resume.code === 0, `collect exited ${resume.code}: ${resume.stderr.slice(-300)}`);
          await r.until(D1);
          r.result.observed = `blocked; ${further} further requests while open; operator mail ${opMails}×; closed → collect → done`;
          r.expect(further === 0, `${further} requests while the circuit was open`);
          r.expect(opMails === 1, `operator mail ${opMails}×`);
          return { days: [D1], mails: [...digest(D1), op] };
        },
      );
    });
  }

  it('SMTP down then up', async () => {
    await row('SMTP down then up', 'mails wait in the outbox, sent once when SMTP is back', async (r) => {
      portal.setDate(D1);
      const p = await r.pipeline({ JOB_BACKOFF_MS: '1500' });
      await smtp.down();
      try {
        await r.enqueue(p.deps, D1);
        await waitFor('a failed send', async () => {
          const x = await r.db.pool.query(`select 1 from outbox where last_error is not null`);
          return (x.rowCount ?? 0) > 0;
        });
      } finally {
        await smtp.up();
      }
      await r.until(D1);
      r.result.observed = `digest failed while down, sent after SMTP came back (retry)`;
      return { days: [D1], mails: digest(D1) };
    });
  });

  it('Chromium killed by pid mid-run', async () => {
    await row('Chromium SIGKILLed mid-run', 'run retried in a new browser, day stored once', async (r) => {
      const slow = await startReplayPortal(
        { scenario: faultScenario(days) },
        { port: 0, date: D1, latencyMs: 300 },
      );
      r.onCleanup(() => slow.close());
      const p = await r.pipeline({}, { portalUrl: slow.url });
      await r.enqueue(p.deps, D1);
      await waitFor(
        'collect under way',
        async () => slow.requests().filter((q) => q.call !== 'page').length >= 2,
      );
      const pids = chromiumBelow(process.pid);
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      await r.until(D1);
      const run = await r.run(D1);
      const left = chromiumBelow(process.pid).length;
      r.result.observed = `killed ${pids.length} browser; run done after ${run?.attempts} attempts; ${left} browser left`;
      r.expect(pids.length === 1, `${pids.length} browsers found to kill`);
      r.expect((run?.attempts ?? 0) >= 2, 'the run was retried');
      r.expect(left === 1, `${left} browsers left (the one kept browser expected)`);
      return { days: [D1], mails: digest(D1) };
    });
  });

  it('two workers at once', async () => {
    await row('two workers at once', 'one run, one request per call, one mail', async (r) => {
      portal.setDate(D1);
      const env = r.env();
      const kids: Child[] = [0, 1].map(() => spawnChild(['tests/integration/pipeline/start-child.ts'], env));
      r.onCleanup(async () => {
        for (const k of kids) await killChild(k);
      });
      const deps = r.deps();
      await waitFor(
        'both workers started',
        async () => kids.every((k) => k.output().includes('"started"')),
        30_000,
      );
      await r.enqueue(deps, D1);
      await r.until(D1);
      await r.mailsSettled();
      const codes = await Promise.all(kids.map((k) => stopChild(k)));
      const n = apiRequests();
      r.result.observed = `run done; ${n} API requests (8 calls); exits ${codes.join(',')}`;
      r.expect(n === 8, `${n} API requests`);
      r.expect(
        codes.every((c) => c === 0),
        `exit codes ${codes.join(',')}`,
      );
      return { days: [D1], mails: digest(D1) };
    });
  });
  it('PostgreSQL restarted mid-ingest', async () => {
    await row(
      'PostgreSQL restarted mid-ingest',
      'ingest rolled back, retried after the restart, day stored once',
      async (r) => {
        const own = await startOwnPostgres();
        r.onCleanup(() => own.stop());
        // The row's database, moved onto a PostgreSQL of our own (D0 included).
        const url = own.adminUrl.replace(/\/postgres$/, '/dvc_faults');
        await copyDatabase(r.db.url, own.adminUrl, url);
        r.useDatabase(url);
        portal.setDate(D1);
        const p = await r.pipeline({ DATABASE_URL: url, JOB_ATTEMPTS: '5', JOB_BACKOFF_MS: '1000' });
        const holder = new pg.Client({ connectionString: url });
        holder.on('error', () => undefined);
        await holder.connect();
        await holder.query('begin');
        await holder.query('lock table units in exclusive mode');
        await r.enqueue(p.deps, D1);
        await waitFor('ingest inside its transaction', async () => {
          const x = await r.db.pool.query(
            `select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like 'insert into units%'`,
          );
          return (x.rowCount ?? 0) > 0;
        });
        const t0 = performance.now();
        await own.restart();
        const restartMs = Math.round(performance.now() - t0);
        await holder.end().catch(() => undefined);
        await r.until(D1);
        const run = await r.run(D1);
        r.result.observed = `restart took ${restartMs} ms; ingest retried; run done (collect attempts ${run?.attempts})`;
        r.expect(run?.attempts === 1, 'collected once (the stored answers were ingested again, not fetched)');
        return { days: [D1], mails: digest(D1) };
      },
    );
  });

  it('Redis restarted with its data lost mid-run', async () => {
    await row(
      'Redis restarted empty mid-collect',
      'the run finishes or the reconcile resumes it; day stored once',
      async (r) => {
        const redis = await startOwnRedis();
        r.onCleanup(() => redis.stop());
        const slow = await startReplayPortal(
          { scenario: faultScenario(days) },
          { port: 0, date: D1, latencyMs: 250 },
        );
        r.onCleanup(() => slow.close());
        // The clock says D1 is the latest due day, so the reconcile may act on it.
        const now = () => new Date(`${addDays(D1, 1)}T12:00:00+07:00`);
        const p = await r.pipeline(
          { REDIS_URL: redis.url, RECONCILE_EVERY: '3s', CATCH_UP: 'false' },
          { portalUrl: slow.url, scheduler: true, now },
        );
        await r.enqueue(p.deps, D1);
        await waitFor(
          'collect under way',
          async () => slow.requests().filter((q) => q.call !== 'page').length >= 2,
        );
        await redis.stop();
        await redis.start();
        await r.until(D1, ['done'], 60_000);
        const run = await r.run(D1);
        const actions = await r.db.pool.query<{ action: string }>(
          `select action from reconcile_actions order by id`,
        );
        const calls = slow.requests().filter((q) => q.call !== 'page' && !q.fromPageScript).length;
        r.result.observed = `run done, collect attempts ${run?.attempts}, ${calls} API requests; reconcile actions: ${actions.rows.map((a) => a.action).join(',') || 'none'}`;
        return { days: [D1], mails: digest(D1) };
      },
    );
  });

  it('Redis restarted with its data lost while a job waits', async () => {
    await row(
      'Redis restarted empty with a job waiting',
      'the queued job is lost; the reconcile enqueues it again, no restart',
      async (r) => {
        const redis = await startOwnRedis();
        r.onCleanup(() => redis.stop());
        portal.setDate(D1);
        const now = () => new Date(`${addDays(D1, 1)}T12:00:00+07:00`);
        const p = await r.pipeline(
          { REDIS_URL: redis.url, RECONCILE_EVERY: '3s', CATCH_UP: 'false' },
          { scheduler: true, now },
        );
        // The collect worker is busy elsewhere (paused), so the day's job waits in Redis.
        const collector = p.workers[0]!;
        await collector.pause(true);
        await r.enqueue(p.deps, D1);
        const before = await p.deps.queues.collect.getJobState(`collect-H18-${D1}`);
        await redis.stop();
        await redis.start();
        collector.resume();
        await r.until(D1, ['done'], 30_000);
        const actions = await r.db.pool.query<{ action: string }>(
          `select action from reconcile_actions order by id`,
        );
        r.result.observed = `job ${before} → lost with Redis; reconcile: ${actions.rows.map((a) => a.action).join(',') || 'nothing'}; run done`;
        r.expect(before === 'waiting', `the job was ${before}, not waiting`);
        r.expect(actions.rows.length >= 1, 'the reconcile healed it');
        return { days: [D1], mails: digest(D1) };
      },
    );
  });

  it('Redis down at the cron tick', async () => {
    await row(
      'Redis down at the cron tick',
      'tick fails; the reconcile stores the day once Redis is back, no restart',
      async (r) => {
        const redis = await startOwnRedis();
        r.onCleanup(() => redis.stop());
        portal.setDate(D1);
        const tz = 'Asia/Ho_Chi_Minh';
        const tickAt = new Date(Date.now() + 6000);
        const parts = new Intl.DateTimeFormat('en-GB', {
          timeZone: tz,
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
          hourCycle: 'h23',
        }).formatToParts(tickAt);
        const get = (t: string) => Number(parts.find((x) => x.type === t)?.value);
        const cron = `${get('second')} ${get('minute')} ${get('hour')} * * *`;
        // The injected clock: just after that tick on the day after D1, so D1 is due.
        const now = () =>
          new Date(
            new Date(`${addDays(D1, 1)}T00:00:00+07:00`).getTime() +
              (get('hour') * 60 + get('minute') + 1) * 60_000,
          );
        const p = await r.pipeline(
          { REDIS_URL: redis.url, RECONCILE_EVERY: '20s', CATCH_UP: 'false', CRON_SCHEDULE: cron, TZ: tz },
          { scheduler: true, now },
        );
        void p;
        await redis.stop();
        await waitFor(
          'the tick to fire and fail',
          async () => r.logs.some((l) => l.includes('scheduled enqueue failed')),
          20_000,
        );
        const back = Date.now();
        await redis.start();
        await r.until(D1, ['done'], 45_000);
        const tookMs = Date.now() - back;
        r.result.observed = `tick failed; Redis back → day done in ${(tookMs / 1000).toFixed(1)} s (RECONCILE_EVERY 20 s), no restart`;
        r.expect(tookMs <= 20_000, `stored ${tookMs} ms after Redis returned (more than one period)`);
        return { days: [D1], mails: digest(D1) };
      },
    );
  });

  it('the worker SIGKILLed at each stage', async () => {
    await row(
      'worker SIGKILLed in collect, ingest, detect, notify',
      'the next worker finishes each day from its stage; nothing doubled',
      async (r) => {
        const env = r.env();
        const deps = r.deps();
        const kids: Child[] = [];
        r.onCleanup(async () => {
          for (const k of kids) await killChild(k);
        });
        const start = async () => {
          const k = spawnChild(['tests/integration/pipeline/start-child.ts'], env);
          kids.push(k);
          await waitFor('worker started', async () => k.output().includes('"started"'), 30_000);
          return k;
        };
        const waiting = (like: string) =>
          waitFor(`a query waiting: ${like}`, async () => {
            const x = await r.db.pool.query(
              `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like $1`,
              [like],
            );
            return (x.rowCount ?? 0) > 0;
          });
        const holder = new pg.Client({ connectionString: r.db.url });
        await holder.connect();
        r.onCleanup(() => holder.end());
        const seen: string[] = [];
        let w = await start();
        const [d1, d2, d3, d4] = days.slice(1) as [IsoDate, IsoDate, IsoDate, IsoDate];
        // collect: one answer hangs (the portal is slow), the worker dies waiting for it.
        portal.setDate(d1);
        portal.setFaults([{ call: 'transparency', onRequest: 1, kind: 'hang' }]);
        await r.enqueue(deps, d1);
        await waitFor('collect waiting on the portal', async () =>
          portal.requests().some((q) => q.fault === 'hang'),
        );
        seen.push(`collect:${await r.status(d1)}`);
        await killChild(w);
        w = await start();
        await r.until(d1);
        // ingest: held inside its transaction.
        portal.setDate(d2);
        await holder.query('begin');
        await holder.query('lock table units in exclusive mode');
        await r.enqueue(deps, d2);
        await waiting('insert into units%');
        seen.push(`ingest:${await r.status(d2)}`);
        await killChild(w);
        await holder.query('commit');
        w = await start();
        await r.until(d2);
        // detect: waiting for the province's detect lock.
        portal.setDate(d3);
        await holder.query('select pg_advisory_lock($1, hashtext($2))', [0x6474_6374, 'H18']);
        await r.enqueue(deps, d3);
        await waiting('select pg_advisory_xact_lock%');
        seen.push(`detect:${await r.status(d3)}`);
        await killChild(w);
        await holder.query('select pg_advisory_unlock($1, hashtext($2))', [0x6474_6374, 'H18']);
        w = await start();
        await r.until(d3);
        // notify: the mail went out, the run's last update is held; the worker dies there.
        portal.setDate(d4);
        smtp.hold(true);
        await r.enqueue(deps, d4);
        await waitFor('notify sending', async () => {
          const x = await r.db.pool.query(
            `select 1 from outbox where state = 'sending' and report_date = $1`,
            [d4],
          );
          return (x.rowCount ?? 0) > 0;
        });
        await holder.query('begin');
        await holder.query(`select 1 from runs where report_date = $1 for update`, [d4]);
        smtp.hold(false);
        await waiting('update runs set status%');
        seen.push(`notify:${await r.status(d4)}`);
        await killChild(w);
        await holder.query('commit');
        w = await start();
        await r.until(d4);
        await r.mailsSettled();
        const code = await stopChild(w);
        const attempts = await r.db.pool.query<{ a: number }>(
          `select attempts as a from runs where report_date = any($1::date[]) order by report_date`,
          [[d1, d2, d3, d4]],
        );
        r.result.observed = `killed at ${seen.join(', ')}; each day done by the next worker (collect attempts ${attempts.rows.map((x) => x.a).join('/')}); last exit ${code}`;
        r.expect(code === 0, `last worker exited ${code}`);
        return { days: [d1, d2, d3, d4], mails: [d1, d2, d3, d4].flatMap(digest) };
      },
    );
  });

  it('SIGTERM during a slow portal answer', async () => {
    await row(
      'SIGTERM during a slow answer',
      'exits 0 within SHUTDOWN_TIMEOUT_MS, job handed back, next start finishes',
      async (r) => {
        const env = r.env({ SHUTDOWN_TIMEOUT_MS: '6000' });
        const deps = r.deps();
        const kids: Child[] = [];
        r.onCleanup(async () => {
          for (const k of kids) await killChild(k);
        });
        portal.setDate(D1);
        portal.setFaults([{ call: 'dossier-digitized', onRequest: 1, kind: 'hang' }]);
        const a = spawnChild(['tests/integration/pipeline/start-child.ts'], env);
        kids.push(a);
        await waitFor('worker started', async () => a.output().includes('"started"'), 30_000);
        await r.enqueue(deps, D1);
        await waitFor('an answer hanging', async () => portal.requests().some((q) => q.fault === 'hang'));
        const t0 = performance.now();
        const code = await stopChild(a, 10_000);
        const stopMs = Math.round(performance.now() - t0);
        const b = spawnChild(['tests/integration/pipeline/start-child.ts'], env);
        kids.push(b);
        await r.until(D1);
        await r.mailsSettled();
        const code2 = await stopChild(b);
        r.result.observed = `exit ${code} after ${stopMs} ms (limit 6000); the next start finished the day; exit ${code2}`;
        r.expect(code === 0, `exit ${code}`);
        r.expect(stopMs <= 6000, `stopped after ${stopMs} ms`);
        return { days: [D1], mails: digest(D1) };
      },
    );
  });
});
