/**
 * bench/soak — a year of report dates of a 60-unit province through the real `dvc-index start`
 * process (a child: workers, scheduler, HTTP, as in production), the replay portal at full
 * speed (PORTAL_MIN_GAP_MS=0, PORTAL_JITTER_MS=0) and a real SMTP server. The bench plays the
 * scheduler: it sets the replay portal's date and enqueues each report date in turn (the same
 * enqueue the cron tick makes), waiting for each run to end before the next.
 *
 * Prints: wall time; the worker's RSS at day 10, 100 and the last (goal: growth < 10 % from
 * day 10); Chromium processes left at the end (goal: the one kept browser); Redis keys and
 * memory under the queue prefix at the end; PostgreSQL size of the province-year by table,
 * and what 34 provinces × 5 years need; mails sent vs expected.
 *
 * Bounded: `--days` (default 365) or `--max-minutes` (default 40), whichever ends first; every
 * run has a 180 s deadline; the child, the portal and the SMTP server are stopped at the end,
 * the database dropped and the Redis keys deleted (unless `--keep`).
 *
 * Run: `npm run bench:soak` or `npx tsx bench/soak.ts [--days 365] [--transport browser|direct]
 * [--max-minutes 40] [--keep] [--node-options=--max-old-space-size=160]`. Needs PostgreSQL (TEST_DATABASE_URL or 127.0.0.1:5432), Redis
 * (TEST_REDIS_URL or 127.0.0.1:6379) and Chromium, like the tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config.js';
import { closeDeps, createDeps } from '../src/deps.js';
import { addDays, GROUP_CODES, GROUP_MAX, type GroupCode } from '../src/domain.js';
import { createLogger } from '../src/logger.js';
import { hashUnit, round2 } from '../src/replay/resolve.js';
import type { Scenario } from '../src/replay/scenario.js';
import { startReplayPortal } from '../src/replay/server.js';
import { enqueueCollect } from '../src/schedule/enqueue-collect.js';
import { provinceByCode } from '../src/source/requests.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIRST_DAY = '2026-01-01';
const RUN_DEADLINE_MS = 180_000;

const { values: flags } = parseArgs({
  options: {
    days: { type: 'string', default: '365' },
    transport: { type: 'string', default: 'browser' },
    'max-minutes': { type: 'string', default: '40' },
    keep: { type: 'boolean', default: false },
    /** NODE_OPTIONS for the worker, e.g. `--max-old-space-size=160` (is RSS growth heap slack?). */
    'node-options': { type: 'string', default: '' },
  },
});
const DAYS = Number(flags.days);
const MAX_MS = Number(flags['max-minutes']) * 60_000;
const TRANSPORT = flags.transport;
if (!Number.isInteger(DAYS) || DAYS < 1 || DAYS > 366) throw new Error('--days: a whole number 1–366');
if (!(MAX_MS > 0)) throw new Error('--max-minutes: a positive number');
if (TRANSPORT !== 'browser' && TRANSPORT !== 'direct') throw new Error('--transport: browser or direct');

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// ---- the scenario: 15 agencies and 45 communes, a year of small moves and some falls -------

function soakScenario(): Scenario {
  const province = provinceByCode('H18')!;
  const units: Scenario['units'] = [];
  const base: Record<string, Record<string, number>> = {};
  for (let i = 0; i < 60; i++) {
    const agency = i < 15;
    const code = agency ? `H18.${String(i + 1).padStart(2, '0')}` : `H18.${100 + i - 15}`;
    units.push({
      id: `00000000-0000-4000-8000-${(0x50000 + i).toString(16).padStart(12, '0')}`,
      code,
      name: agency ? `Sở thứ ${i + 1} - tỉnh Điện Biên` : `UBND xã Thử Nghiệm ${i - 14}`,
      kind: agency ? 'agency' : 'commune',
    });
    const v: Record<string, number> = {};
    for (const g of GROUP_CODES) v[g] = round2(GROUP_MAX[g] * (0.55 + 0.35 * hashUnit(`soak|${code}|${g}`)));
    base[code] = v;
  }
  const current = new Map<string, number>();
  const days: Scenario['days'] = {};
  for (let d = 0; d < DAYS; d++) {
    const date = addDays(FIRST_DAY, d);
    const changes: Record<string, Record<string, number>> = {};
    const move = (code: string, g: GroupCode, to: number) => {
      current.set(`${code}|${g}`, to);
      changes[code] = { ...(changes[code] ?? {}), [g]: to };
    };
    if (d > 0) {
      // five small drifts a day
      for (let k = 0; k < 5; k++) {
        const u = units[Math.floor(hashUnit(`soak|${date}|${k}|u`) * units.length)]!;
        const g = GROUP_CODES[Math.floor(hashUnit(`soak|${date}|${k}|g`) * GROUP_CODES.length)]!;
        const from = current.get(`${u.code}|${g}`) ?? base[u.code]![g]!;
        const step = round2((hashUnit(`soak|${date}|${k}|s`) - 0.5) * 0.4);
        move(u.code, g, round2(Math.min(GROUP_MAX[g], Math.max(0, from + step))));
      }
      // every 9th day a clear TTTT or MDSH fall somewhere (a digest mail)
      if (d % 9 === 0) {
        const u = units[Math.floor(hashUnit(`soak|${date}|fall|u`) * units.length)]!;
        const g: GroupCode = d % 2 === 0 ? 'TTTT' : 'MDSH';
        const from = current.get(`${u.code}|${g}`) ?? base[u.code]![g]!;
        move(u.code, g, round2(Math.max(0, from - 1.5)));
      }
    }
    days[date] = Object.keys(changes).length > 0 ? { units: changes } : {};
  }
  return {
    version: 1,
    description: `bench/soak: 60 units, ${DAYS} report dates from ${FIRST_DAY}`,
    seed: 365,
    province: { id: province.id, code: province.code, name: province.name },
    units,
    base: { units: base },
    days,
  };
}

// ---- /proc ------------------------------------------------------------------------------

function procTable(): Map<number, { ppid: number; name: string }> {
  const out = new Map<number, { ppid: number; name: string }>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      out.set(Number(e), {
        name: stat.slice(stat.indexOf('(') + 1, close),
        ppid: Number(stat.slice(close + 2).split(' ')[1]),
      });
    } catch {
      // gone
    }
  }
  return out;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : Number.NaN;
}

/** Chromium processes below `root`: browsers (their parent is not Chromium) and all. */
function chromiumBelow(root: number): { browsers: number; processes: number } {
  const t = procTable();
  const below = (pid: number) => {
    for (let p = t.get(pid)?.ppid, n = 0; p !== undefined && n < 30; p = t.get(p)?.ppid, n++)
      if (p === root) return true;
    return false;
  };
  let browsers = 0;
  let processes = 0;
  for (const [pid, { ppid, name }] of t) {
    if (!/chrom/i.test(name) || !below(pid)) continue;
    processes++;
    if (!/chrom/i.test(t.get(ppid)?.name ?? '')) browsers++;
  }
  return { browsers, processes };
}

// ---- SMTP -------------------------------------------------------------------------------

async function startSmtp() {
  const keys: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      simpleParser(stream).then(
        (mail) => {
          const k = mail.headers.get('x-dvc-index-key');
          keys.push(typeof k === 'string' ? k : '');
          cb();
        },
        (e) => cb(e),
      );
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    keys,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// ---- the run ----------------------------------------------------------------------------

const fmtMs = (ms: number) => `${Math.floor(ms / 60_000)} min ${((ms % 60_000) / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const started = performance.now();
  const tag = randomUUID().replace(/-/g, '').slice(0, 10);
  const dbName = `dvc_soak_${tag}`;
  const prefix = `soak-${tag}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const dbUrl = (() => {
    const u = new URL(ADMIN_URL);
    u.pathname = `/${dbName}`;
    return u.toString();
  })();

  const scenario = soakScenario();
  const portal = await startReplayPortal({ scenario }, { port: 0, date: FIRST_DAY });
  const smtp = await startSmtp();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    DATABASE_URL: dbUrl,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    PORTAL_BASE_URL: portal.url,
    PORTAL_TRANSPORT: TRANSPORT,
    PORTAL_MIN_GAP_MS: '0',
    PORTAL_JITTER_MS: '0',
    PROVINCES: 'H18',
    // Far away: the bench enqueues each date as the tick would.
    CRON_SCHEDULE: '0 0 1 1 *',
    CATCH_UP: 'false',
    RECONCILE_EVERY: '24h',
    ALERT_NO_DATA_BY: '',
    SMTP_URL: smtp.url,
    ALERT_TO: 'soak@bench.test',
    JOB_BACKOFF_MS: '2000',
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
    ...(flags['node-options'] ? { NODE_OPTIONS: flags['node-options'] } : {}),
  };
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'bin/dvc-index.js'), 'start'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const pid = child.pid!;

  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  const deps = createDeps(config, createLogger(config));
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
  const rss: Array<[number, number]> = [];
  const failed: string[] = [];
  let done = 0;
  let requests = 0;
  const dayMs: number[] = [];
  try {
    // start has migrated the database when its 'started' is logged; wait for the runs table
    for (const deadline = Date.now() + 60_000; ; ) {
      const r = await pool.query(`select to_regclass('runs') is not null as ok`);
      if (r.rows[0].ok && (await deps.redis.ping()) === 'PONG') break;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`start did not come up:\n${stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1000));
    for (let d = 0; d < DAYS; d++) {
      if (performance.now() - started > MAX_MS) break;
      const date = addDays(FIRST_DAY, d);
      const t0 = performance.now();
      portal.setDate(date);
      await enqueueCollect(deps, { provinceCode: 'H18', reportDate: date, trigger: 'schedule' });
      for (;;) {
        const r = await pool.query<{ status: string; request_count: number }>(
          `select status, request_count from runs where province_code = 'H18' and report_date = $1`,
          [date],
        );
        const s = r.rows[0]?.status;
        if (s === 'done') {
          requests += r.rows[0]!.request_count;
          break;
        }
        if (s === 'failed' || s === 'blocked') {
          failed.push(`${date} ${s}`);
          break;
        }
        if (performance.now() - t0 > RUN_DEADLINE_MS) {
          failed.push(`${date} still ${s} after ${RUN_DEADLINE_MS / 1000} s`);
          break;
        }
        if (child.exitCode !== null)
          throw new Error(`start exited ${child.exitCode}:\n${stderr.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      dayMs.push(performance.now() - t0);
      done = d + 1;
      if (done === 10 || done === 100 || done === 200 || done === 300 || done === DAYS)
        rss.push([done, rssMiB(pid)]);
      if (done % 25 === 0)
        process.stderr.write(
          `soak: ${done} days, ${fmtMs(performance.now() - started)}, RSS ${rssMiB(pid)} MiB\n`,
        );
    }
    if (rss.at(-1)?.[0] !== done) rss.push([done, rssMiB(pid)]);
    // let the last notify finish, then look at what is left
    await new Promise((r) => setTimeout(r, 2000));
    const wall = performance.now() - started;
    const chromium = chromiumBelow(pid);

    // Redis: the prefix's keys and their memory
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    await redis.connect();
    let cursor = '0';
    let keys = 0;
    let bytes = 0;
    const byKind = new Map<string, number>();
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const k of found) {
        keys++;
        bytes += Number((await redis.memory('USAGE', k)) ?? 0);
        const parts = k.split(':');
        const kind =
          parts.length > 3 || /^\d|-\d{4}-\d\d-\d\d$/.test(parts[2] ?? '')
            ? `${parts[1]}:<job>`
            : k.slice(prefix.length + 1);
        byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
      }
    } while (cursor !== '0');
    const jobCounts: string[] = [];
    for (const q of ['collect', 'ingest', 'detect', 'notify'] as const) {
      const c = await deps.queues[q].getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
      jobCounts.push(
        `${q} ${c.completed}/${c.failed}/${(c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0)}`,
      );
    }
    const usedMemory = /used_memory_human:(\S+)/.exec(await redis.info('memory'))?.[1];
    redis.disconnect();

    // PostgreSQL: size by table
    const sizes = await pool.query<{ t: string; rows: string; total: string }>(
      `select c.relname as t, c.reltuples::bigint::text as rows, pg_total_relation_size(c.oid)::text as total
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r' order by pg_total_relation_size(c.oid) desc`,
    );
    await pool.query('analyze');
    const counted = new Map<string, number>();
    for (const s of sizes.rows) {
      const n = await pool.query<{ n: string }>(`select count(*)::text as n from ${s.t}`);
      counted.set(s.t, Number(n.rows[0]!.n));
    }
    const dbSize = Number((await pool.query(`select pg_database_size(current_database()) as s`)).rows[0].s);
    const emptySize = Number(
      (
        await pool.query(
          `select sum(pg_total_relation_size(c.oid)) as s from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r'`,
        )
      ).rows[0].s,
    );

    // Mails: every outbox mail once at the server
    const outbox = await pool.query<{ kind: string; state: string; n: number }>(
      `select kind, state, count(*)::int as n from outbox group by 1, 2 order by 1, 2`,
    );
    const expected = await pool.query<{ k: string }>(`select idempotency_key as k from outbox`);
    const got = new Map<string, number>();
    for (const k of smtp.keys) got.set(k, (got.get(k) ?? 0) + 1);
    const missing = expected.rows.filter((r) => !got.has(r.k)).length;
    const doubled = [...got.values()].reduce((n, c) => n + c - 1, 0);

    // stop the worker as docker stop would
    const stopAt = performance.now();
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<string>((r) => setTimeout(() => r('timeout'), 30_000)),
    ]);
    const stopMs = Math.round(performance.now() - stopAt);

    const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
    const first10 = rss.find((r) => r[0] === 10)?.[1];
    const last = rss.at(-1)!;
    const sorted = [...dayMs].sort((a, b) => a - b);
    const pct = (p: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
    const lines = [
      `bench/soak — ${done} of ${DAYS} report dates (${FIRST_DAY} … ${addDays(FIRST_DAY, done - 1)}), 60 units + the province, periods ${config.periods.join(',')}, transport ${TRANSPORT}, PORTAL_MIN_GAP_MS=0${flags['node-options'] ? `, NODE_OPTIONS=${flags['node-options']}` : ''}`,
      `wall time:            ${fmtMs(wall)} (per day: median ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${Math.round(sorted.at(-1) ?? 0)} ms); ${requests} portal requests`,
      `runs:                 ${done - failed.length} done, ${failed.length} not done${failed.length ? ` (${failed.slice(0, 5).join('; ')})` : ''}`,
      `worker RSS:           ${rss.map(([d, m]) => `day ${d}: ${m} MiB`).join(', ')}${first10 ? `; growth from day 10: ${(((last[1] - first10) / first10) * 100).toFixed(1)} %` : ''} (goal < 10 %)`,
      `Chromium left:        ${chromium.browsers} browser (${chromium.processes} processes) below the worker (goal: the one kept browser)`,
      `Redis (prefix):       ${keys} keys, ${mib(bytes)} (MEMORY USAGE sum); server used_memory ${usedMemory} (shared Redis)`,
      `  keys by kind:       ${[...byKind]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
      `  jobs (completed/failed/pending): ${jobCounts.join('; ')}`,
      `PostgreSQL:           database ${mib(dbSize)}; tables ${mib(emptySize)} for one province-year:`,
      ...sizes.rows.map(
        (s) =>
          `  ${s.t.padEnd(22)} ${mib(Number(s.total)).padStart(10)}  ${String(counted.get(s.t)).padStart(8)} rows`,
      ),
      `  34 provinces × 5 years ≈ ${((emptySize * 34 * 5 * (365 / Math.max(1, done))) / 1073741824).toFixed(1)} GiB of tables (linear from this run, scaled to 365 days)`,
      `mails:                ${smtp.keys.length} received, ${expected.rows.length} expected (outbox: ${outbox.rows.map((r) => `${r.kind} ${r.state} ${r.n}`).join(', ')}); lost ${missing}, doubled ${doubled}`,
      `stop:                 SIGTERM → exit ${code} in ${stopMs} ms`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await closeDeps(deps).catch(() => undefined);
    await pool.end().catch(() => undefined);
    await portal.close();
    await smtp.close();
    if (!flags.keep) {
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${dbName} with (force)`);
      await a.end();
      const r = new Redis(REDIS_URL);
      let c = '0';
      do {
        const [next, found] = await r.scan(c, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        c = next;
        if (found.length) await r.del(...found);
      } while (c !== '0');
      r.disconnect();
    } else process.stdout.write(`kept: database ${dbName}, Redis prefix ${prefix}\n`);
  }
}

await main();
