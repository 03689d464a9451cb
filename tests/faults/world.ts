/**
 * The fault matrix's world: one replay portal, one SMTP server, a base database holding D0,
 * and the truth (D1…D4 collected without any fault). A row clones the base database, runs
 * its fault against the real pipeline, then {@link audit} compares what it stored and mailed
 * with the truth: days lost, rows doubled, mails doubled, mails lost.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { type Config, loadConfig } from '../../src/config.js';
import { closeDeps, createDeps, type ProcessDeps } from '../../src/deps.js';
import type { IsoDate } from '../../src/domain.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { type Pipeline, startPipeline } from '../../src/main.js';
import type { ReplayPortal } from '../../src/replay/server.js';
import { enqueueCollect } from '../../src/schedule/enqueue-collect.js';
import { migrate } from '../../src/store/migrate.js';
import { createTestDatabase, TEST_PG_ADMIN_URL } from '../helpers/db.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis.js';
import { pipelineEnv, waitFor } from '../integration/pipeline/helpers.js';

export { waitFor };

// ---------------------------------------------------------------- SMTP

export interface Received {
  readonly to: string[];
  readonly key: string;
  readonly messageId: string;
  readonly subject: string;
}

export interface FaultSmtp {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  /** Stop listening (connections are refused: SMTP down). */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  /** Hold every DATA answer until `release()` (a slow server; a kill lands mid-send). */
  hold(on: boolean): void;
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) on 127.0.0.1 that can go down and come back on its port. */
export async function startFaultSmtp(): Promise<FaultSmtp> {
  const received: Received[] = [];
  let holding = false;
  const waiting: Array<() => void> = [];
  const make = () => {
    const s = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, cb) {
        simpleParser(stream).then(
          async (mail) => {
            if (holding) await new Promise<void>((r) => waiting.push(r));
            const key = mail.headers.get('x-dvc-index-key');
            received.push({
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              key: typeof key === 'string' ? key : '',
              messageId: mail.messageId ?? '',
              subject: mail.subject ?? '',
            });
            cb();
          },
          (e) => cb(e),
        );
      },
    });
    s.on('error', () => undefined);
    return s;
  };
  let server = make();
  let listening = false;
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        listening = true;
        resolve();
      });
    });
  await listen(0);
  const port = (server.server.address() as AddressInfo).port;
  const close = async () => {
    if (!listening) return;
    listening = false;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    down: close,
    async up() {
      if (listening) return;
      server = make();
      await listen(port);
    },
    hold(on) {
      holding = on;
      if (!on) for (const r of waiting.splice(0)) r();
    },
    close,
  };
}

// ---------------------------------------------------------------- databases

function urlOf(name: string, admin = TEST_PG_ADMIN_URL): string {
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface RowDatabase {
  readonly name: string;
  readonly url: string;
  readonly pool: pg.Pool;
  drop(): Promise<void>;
}

async function adminQuery(sql: string, admin = TEST_PG_ADMIN_URL): Promise<void> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A new database cloned from `template` (which nobody may be connected to). */
export async function cloneDatabase(template: string): Promise<RowDatabase> {
  const name = `dvc_f_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await adminQuery(`create database ${name} template ${template}`);
  const url = urlOf(name);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

// ---------------------------------------------------------------- logs

/** A logger whose lines are kept (the last ones explain a failed row). */
export function keptLogger(config: Config): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      if (lines.length > 400) lines.splice(0, lines.length - 400);
      cb();
    },
  });
  return { log: createLogger(config, sink), lines };
}

// ---------------------------------------------------------------- the truth

/** What a day stores, as JSON text per row (run ids and timestamps left out), per table. */
export interface DayRows {
  readonly scores: string[];
  readonly metrics: string[];
}

export async function dayRows(pool: pg.Pool, day: IsoDate): Promise<DayRows> {
  const q = async (table: 'scores' | 'metrics') =>
    (
      await pool.query<{ j: string }>(
        `select (to_jsonb(t) - 'run_id' - 'created_at' - 'updated_at')::text as j from ${table} t
          where report_date = $1 order by 1`,
        [day],
      )
    ).rows.map((r) => r.j);
  return { scores: await q('scores'), metrics: await q('metrics') };
}

export interface Truth {
  readonly days: IsoDate[];
  readonly rows: ReadonlyMap<IsoDate, DayRows>;
  /** Digest keys per day (collected in order D1…D4 after D0). */
  readonly digests: ReadonlyMap<IsoDate, string[]>;
}

// ---------------------------------------------------------------- rows

export interface RowResult {
  readonly fault: string;
  readonly expected: string;
  observed: string;
  daysLost: number;
  rowsDoubled: number;
  mailsDoubled: number;
  mailsLost: number;
  /** Row-specific checks that failed (the row fails when any is here). */
  readonly problems: string[];
  seconds: number;
}

export const ROWS: RowResult[] = [];

export interface WorldOptions {
  readonly portal: ReplayPortal;
  readonly smtp: FaultSmtp;
  readonly baseDb: string;
  readonly truth: Truth;
}

/** One row's private parts: a database cloned from the base, a queue prefix, a mailbox. */
export class Row {
  readonly prefix = uniquePrefix('faults');
  readonly mailbox: string;
  readonly result: RowResult;
  private readonly cleanups: Array<() => Promise<void>> = [];
  private started = performance.now();
  logs: string[] = [];

  private readonly clones: RowDatabase[] = [];

  constructor(
    readonly world: WorldOptions,
    public db: RowDatabase,
    fault: string,
    expected: string,
  ) {
    this.mailbox = `row-${randomUUID().slice(0, 8)}@faults.test`;
    this.result = {
      fault,
      expected,
      observed: '',
      daysLost: 0,
      rowsDoubled: 0,
      mailsDoubled: 0,
      mailsLost: 0,
      problems: [],
      seconds: 0,
    };
    ROWS.push(this.result);
  }

  /** Work on another database from now on (an own PostgreSQL); the clone is still dropped. */
  useDatabase(url: string): void {
    this.clones.push(this.db);
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => undefined);
    this.db = {
      name: new URL(url).pathname.slice(1),
      url,
      pool,
      drop: () => pool.end().catch(() => undefined),
    };
  }

  env(extra: Record<string, string> = {}, portalUrl = this.world.portal.url): Record<string, string> {
    return pipelineEnv({
      dbUrl: this.db.url,
      prefix: this.prefix,
      portalUrl,
      extra: {
        PERIODS: 'year',
        SMTP_URL: this.world.smtp.url,
        ALERT_TO: this.mailbox,
        ALERT_NO_DATA_BY: '',
        LOG_LEVEL: 'info',
        ...extra,
      },
    });
  }

  config(extra: Record<string, string> = {}, portalUrl?: string): Config {
    return loadConfig(this.env(extra, portalUrl));
  }

  /** The pipeline in this process (workers, no scheduler unless asked, no HTTP). */
  async pipeline(
    extra: Record<string, string> = {},
    opts: { portalUrl?: string; scheduler?: boolean; now?: () => Date } = {},
  ): Promise<Pipeline> {
    const config = this.config(extra, opts.portalUrl);
    const { log, lines } = keptLogger(config);
    this.logs = lines;
    const p = await startPipeline(config, log, {
      scheduler: opts.scheduler ?? false,
      http: false,
      ...(opts.now ? { now: opts.now } : {}),
      workers: { lockDurationMs: 3000, stalledIntervalMs: 1000 },
      portalLock: { ttlMs: 3000, pollMs: 100 },
    });
    this.cleanups.push(() => p.stop());
    return p;
  }

  /** Deps for enqueueing from the test process (no workers), closed with the row. */
  deps(extra: Record<string, string> = {}, portalUrl?: string): ProcessDeps {
    const config = this.config(extra, portalUrl);
    const d = createDeps(config, keptLogger(config).log);
    this.cleanups.push(() => closeDeps(d));
    return d;
  }

  onCleanup(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }

  async enqueue(deps: ProcessDeps, day: IsoDate): Promise<void> {
    await enqueueCollect(deps, { provinceCode: 'H18', reportDate: day, trigger: 'manual' });
  }

  async status(day: IsoDate): Promise<string | null> {
    const r = await this.db.pool.query<{ status: string }>(
      `select status from runs where province_code = 'H18' and report_date = $1`,
      [day],
    );
    return r.rows[0]?.status ?? null;
  }

  async run(day: IsoDate) {
    return (
      await this.db.pool.query<{
        status: string;
        attempts: number;
        error_class: string | null;
        error_message: string | null;
        summary: Record<string, unknown> | null;
      }>(
        `select status, attempts, error_class, error_message, summary from runs
          where province_code = 'H18' and report_date = $1`,
        [day],
      )
    ).rows[0];
  }

  /** Wait until the day's run is in one of `statuses` (default done). */
  async until(day: IsoDate, statuses: readonly string[] = ['done'], timeoutMs = 40_000): Promise<string> {
    try {
      return await waitFor(
        `${day} ${statuses.join('|')}`,
        async () => {
          const s = await this.status(day);
          return s !== null && statuses.includes(s) ? s : null;
        },
        timeoutMs,
        100,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message} (now ${await this.status(day)})\n${this.logs.slice(-15).join('')}`,
      );
    }
  }

  /** Wait until no mail of the outbox is pending or being sent (bounded). */
  async mailsSettled(timeoutMs = 20_000): Promise<boolean> {
    return waitFor(
      'outbox settled',
      async () => {
        const r = await this.db.pool.query<{ n: number }>(
          `select count(*)::int as n from outbox where state in ('pending', 'sending')`,
        );
        return r.rows[0]?.n === 0;
      },
      timeoutMs,
      100,
    ).catch(() => false);
  }

  /** Mails this row's mailbox got. */
  received(): Received[] {
    return this.world.smtp.received.filter((m) => m.to.includes(this.mailbox));
  }

  expect(ok: boolean, problem: string): void {
    if (!ok) this.result.problems.push(problem);
  }

  /**
   * Compare the row's database and mailbox with the truth for `days` (which must end stored);
   * `mails` are the outbox keys that must have been delivered exactly once.
   */
  async audit(opts: {
    days: readonly IsoDate[];
    mails: readonly string[];
    /** Rows of these groups may be missing (an answer the portal spoilt); never zero-filled. */
    withheldGroups?: readonly string[];
  }): Promise<void> {
    const r = this.result;
    const withheld = new Set(opts.withheldGroups ?? []);
    for (const day of opts.days) {
      const truth = this.world.truth.rows.get(day);
      if (!truth) throw new Error(`no truth for ${day}`);
      const got = await dayRows(this.db.pool, day);
      let lost = false;
      for (const t of ['scores', 'metrics'] as const) {
        const have = new Set(got[t]);
        const want = new Set(truth[t]);
        for (const row of truth[t]) {
          if (have.has(row)) continue;
          const grp = (JSON.parse(row) as { grp: string }).grp;
          if (!withheld.has(grp)) {
            if (!lost) r.problems.push(`${day}: ${t} row missing or different: ${row.slice(0, 160)}`);
            lost = true;
          }
        }
        for (const row of got[t]) {
          if (want.has(row)) continue;
          const parsed = JSON.parse(row) as { grp: string; score: unknown };
          // A stored row the truth does not have: only a withheld group's null is acceptable.
          if (!(withheld.has(parsed.grp) && parsed.score === null)) {
            if (!lost) r.problems.push(`${day}: ${t} row not in the truth: ${row.slice(0, 160)}`);
            lost = true;
          }
        }
        r.rowsDoubled += Math.max(0, got[t].length - truth[t].length);
      }
      if (lost) r.daysLost++;
      const runs = await this.db.pool.query<{ n: number }>(
        `select count(*)::int as n from runs where province_code = 'H18' and report_date = $1`,
        [day],
      );
      r.rowsDoubled += Math.max(0, (runs.rows[0]?.n ?? 0) - 1);
    }
    const received = this.received();
    const byKey = new Map<string, number>();
    for (const m of received) byKey.set(m.key, (byKey.get(m.key) ?? 0) + 1);
    const outbox = (
      await this.db.pool.query<{ k: string }>(
        `select idempotency_key as k from outbox where $1 = any(recipients)`,
        [this.mailbox],
      )
    ).rows.map((x) => x.k);
    const mustArrive = new Set([...opts.mails, ...outbox]);
    for (const k of mustArrive) if (!byKey.has(k)) r.mailsLost++;
    for (const [k, n] of byKey) r.mailsDoubled += mustArrive.has(k) ? n - 1 : n;
  }

  async close(): Promise<void> {
    for (const c of this.cleanups.reverse()) await c().catch(() => undefined);
    await deletePrefix(this.prefix).catch(() => undefined);
    await this.db.drop().catch(() => undefined);
    for (const c of this.clones) await c.drop().catch(() => undefined);
    this.result.seconds = Math.round((performance.now() - this.started) / 100) / 10;
  }
}

/** Start a row: its database is a clone of the base (D0 stored). */
export async function newRow(world: WorldOptions, fault: string, expected: string): Promise<Row> {
  return new Row(world, await cloneDatabase(world.baseDb), fault, expected);
}

// ---------------------------------------------------------------- building the world

/**
 * The base database (D0 stored) and the truth (D1…D4 stored after it, no fault), both by the
 * real pipeline in this process.
 */
export async function buildWorld(
  portal: ReplayPortal,
  smtp: FaultSmtp,
  days: IsoDate[],
): Promise<WorldOptions> {
  const base = await createTestDatabase();
  const baseName = base.name;
  const prefix = uniquePrefix('faults-base');
  const run = async (url: string, list: IsoDate[]) => {
    const config = loadConfig(
      pipelineEnv({
        dbUrl: url,
        prefix,
        portalUrl: portal.url,
        extra: { PERIODS: 'year', SMTP_URL: smtp.url, ALERT_TO: 'truth@faults.test', ALERT_NO_DATA_BY: '' },
      }),
    );
    const p = await startPipeline(config, keptLogger(config).log, { scheduler: false, http: false });
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      for (const day of list) {
        portal.setDate(day);
        await enqueueCollect(p.deps, { provinceCode: 'H18', reportDate: day, trigger: 'manual' });
        await waitFor(`truth ${day}`, async () => {
          const r = await pool.query(`select status from runs where report_date = $1`, [day]);
          const s = r.rows[0]?.status;
          if (s === 'failed' || s === 'blocked') throw new Error(`truth run ${day} ended ${s}`);
          return s === 'done';
        });
      }
    } finally {
      await p.stop();
      await pool.end();
    }
  };
  await run(base.url, [days[0]!]);
  await base.pool.end();
  const truthDb = await cloneDatabase(baseName);
  await run(truthDb.url, days.slice(1));
  const rows = new Map<IsoDate, DayRows>();
  const digests = new Map<IsoDate, string[]>();
  for (const d of days.slice(1)) {
    rows.set(d, await dayRows(truthDb.pool, d));
    const k = await truthDb.pool.query<{ k: string }>(
      `select idempotency_key as k from outbox where kind = 'digest' and report_date = $1`,
      [d],
    );
    digests.set(
      d,
      k.rows.map((x) => x.k),
    );
  }
  await truthDb.drop();
  await deletePrefix(prefix);
  return { portal, smtp, baseDb: baseName, truth: { days, rows, digests } };
}

export async function dropWorld(world: WorldOptions | undefined): Promise<void> {
  if (!world) return;
  await adminQuery(`drop database if exists ${world.baseDb} with (force)`);
}

/** Migrate a database at `url` (an own PostgreSQL). */
export async function migrateAt(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}

// ---------------------------------------------------------------- the table

export function renderTable(rows: readonly RowResult[]): string {
  const head = [
    'fault',
    'expected',
    'observed',
    'days lost',
    'rows doubled',
    'mails doubled',
    'mails lost',
    's',
  ];
  const body = rows.map((r) => [
    r.fault,
    r.expected,
    r.problems.length > 0 ? `${r.observed} — FAILED: ${r.problems.join('; ')}` : r.observed,
    String(r.daysLost),
    String(r.rowsDoubled),
    String(r.mailsDoubled),
    String(r.mailsLost),
    r.seconds.toFixed(1),
  ]);
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...body.map((cells) => `| ${cells.map(esc).join(' | ')} |`),
  ];
  return lines.join('\n');
}
