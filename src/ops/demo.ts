/**
 * `dvc-index demo`: the whole product on this machine in a few minutes, without the real
 * portal or a mail server. Against the local PostgreSQL (DATABASE_URL; the database is
 * created when missing) and Redis (REDIS_URL, a unique queue prefix removed afterwards) it
 * starts the replay portal with the bundled Điện Biên scenario and an SMTP catcher, runs the
 * real pipeline (queues, workers, Chromium) once per report date while stepping the replay
 * portal's date, then prints the report, two histories and the alerts with the real commands.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Config, loadConfig } from '../config.js';
import type { IsoDate, PeriodType } from '../domain.js';
import { InputError } from '../errors.js';
import { createLogger } from '../logger.js';
import { type Pipeline, startPipeline } from '../main.js';
import { loadScenario, scenarioDates } from '../replay/scenario.js';
import { type ReplayPortal, startReplayPortal } from '../replay/server.js';
import { enqueueCollect } from '../schedule/enqueue-collect.js';
import { withChromium } from '../source/find-chromium.js';
import { createPool } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { getRun, type Run, TERMINAL_STATUSES } from '../store/runs.js';
import { evictionPolicyError } from './preflight.js';
import { connectRedisOnce, ensureDatabase, readRedisPolicy, redactUrl } from './services.js';
import { startSmtpCatcher } from './smtp-catcher.js';

type Env = Readonly<Record<string, string | undefined>>;
type Out = Pick<NodeJS.WriteStream, 'write'>;

/** The package root (where package.json and bin/ are), from src/ops or dist/src/ops. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'bin', 'dvc-index.js')))
      return dir;
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the dvc-index package root (package.json + bin/dvc-index.js)');
}

export const DEMO_SCENARIO = 'scenarios/dien-bien-demo.json';
/** Time allowed to one day's run end to end before the demo gives up. */
const DAY_TIMEOUT_MS = 120_000;

export interface DemoOptions {
  /** Only the first N report dates of the scenario. */
  readonly days?: number;
  /** Where the caught mails go as .eml files (default: a new temp folder). */
  readonly outbox?: string;
  /** Scenario file (default: the bundled Điện Biên scenario). */
  readonly scenario?: string;
}

export interface DemoDay {
  readonly reportDate: IsoDate;
  readonly run: Run;
  readonly seconds: number;
  readonly mails: number;
}

export interface DemoResult {
  readonly databaseUrl: string;
  readonly database: 'created' | 'reset' | 'existing';
  readonly days: readonly DemoDay[];
  readonly outbox: string;
  readonly mailFiles: readonly string[];
  readonly seconds: number;
}

/**
 * The demo's configuration: the user's environment, with what must be local forced (the
 * replay portal, the SMTP catcher, a private queue prefix, no pause between requests to a
 * local server) and quieter defaults where the user set nothing.
 */
export function demoConfig(
  env: Env,
  forced: { portalUrl: string; smtpUrl: string; queuePrefix: string },
): Config {
  return loadConfig({
    ...env,
    PORTAL_BASE_URL: forced.portalUrl,
    SMTP_URL: forced.smtpUrl,
    QUEUE_PREFIX: forced.queuePrefix,
    PORTAL_MIN_GAP_MS: '0',
    PORTAL_JITTER_MS: '0',
    CATCH_UP: 'false',
    PROVINCES: 'H18',
    PERIODS: env.PERIODS ?? 'year',
    JOB_BACKOFF_MS: env.JOB_BACKOFF_MS ?? '1000',
    ALERT_TO: env.ALERT_TO || 'so-tttt@dienbien.example.gov.vn',
    ALERT_NO_DATA_BY: '',
    LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
  });
}

/**
 * Every table the migrations create, and the query that counts what in it the demo did not
 * make (`null`: the table only ever holds what runs, and so the `runs` check, account for).
 * A test compares the keys with a freshly migrated database, so a new table must be
 * classified here before the demo may ever remove it.
 */
export const DEMO_OWNERSHIP: Readonly<Record<string, string | null>> = {
  schema_migrations: null,
  units: null,
  runs: `select count(*) from runs where trigger not in ('demo', 'gap')`,
  captures: null,
  // A score or metric stored without a run (an import, a hand edit) is not the demo's.
  scores: 'select count(*) from scores where run_id is null',
  metrics: null,
  // A circuit for another host than the loopback replay portal is a real portal's.
  circuit: `select count(*) from circuit where host !~ '^(127\\.0\\.0\\.1|localhost|\\[::1\\])(:|$)'`,
  circuit_events: `select count(*) from circuit_events where host !~ '^(127\\.0\\.0\\.1|localhost|\\[::1\\])(:|$)'`,
  alerts: null,
  alert_events: null,
  alert_detections: null,
  outbox: `select count(*) from outbox where run_id is null and report_date is not null`,
  // The demo never adds contacts: every one was set by a person.
  contacts: 'select count(*) from contacts',
  // Every row belongs to a run (on delete cascade): the runs check accounts for them.
  reconcile_actions: null,
  // The demo never imports: every import is the office's history.
  imports: 'select count(*) from imports',
};

/** Objects of the database (outside the system schemas) that are not dvc-index's tables. */
async function foreignObjects(c: pg.Client): Promise<string[]> {
  const ours = Object.keys(DEMO_OWNERSHIP);
  const res = await c.query<{ what: string }>(
    `with ours as (select ('public.' || quote_ident(t))::regclass::oid as oid
                     from unnest($1::text[]) t where to_regclass('public.' || quote_ident(t)) is not null)
     select 'schema ' || n.nspname as what from pg_namespace n
      where n.nspname not in ('public', 'information_schema') and n.nspname !~ '^pg_'
     union all
     select case c.relkind when 'v' then 'view ' when 'm' then 'materialized view ' when 'S' then 'sequence '
                           when 'f' then 'foreign table ' else 'table ' end || n.nspname || '.' || c.relname
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
        and c.oid not in (select oid from ours)
        -- sequences behind our own bigserial columns
        and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid
                          and d.refobjid in (select oid from ours) and d.deptype in ('a', 'i'))
     union all
     select 'function public.' || p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public'
     union all
     select 'type public.' || t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace
      where n.nspname = 'public' and t.typrelid = 0 and t.typelem = 0
     union all
     select 'extension ' || e.extname from pg_extension e where e.extname <> 'plpgsql'
     order by 1`,
    [ours],
  );
  return res.rows.map((r) => r.what);
}

/**
 * Make DATABASE_URL's database ready for the demo, never destroying what the demo did not
 * create: a missing database is created; a database holding anything that is not dvc-index's
 * (another application's table, schema, function…) or real history is refused (InputError on
 * DATABASE_URL, exit 2); a database holding only an earlier demo's data gets its dvc-index
 * tables dropped (nothing else, no database is ever dropped, no other session is killed)
 * so the migrations start afresh.
 */
export async function prepareDemoDatabase(databaseUrl: string): Promise<'created' | 'reset' | 'existing'> {
  const { created } = await ensureDatabase(databaseUrl);
  if (created) return 'created';
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const dedicated = redactUrl(withDatabase(databaseUrl, 'dvc_index_demo'));
  const c = new pg.Client({ connectionString: databaseUrl });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const foreign = await foreignObjects(c);
    if (foreign.length > 0) {
      throw new InputError(
        'DATABASE_URL',
        `database "${name}" holds ${foreign.length} object(s) that are not dvc-index's ` +
          `(${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); the demo never touches them. ` +
          `Point DATABASE_URL at a dedicated database, e.g. ${dedicated}`,
      );
    }
    const present = (
      await c.query<{ t: string }>(
        `select t from unnest($1::text[]) t where to_regclass('public.' || quote_ident(t)) is not null`,
        [Object.keys(DEMO_OWNERSHIP)],
      )
    ).rows.map((r) => r.t);
    if (present.length === 0) return 'existing';
    let real = 0;
    for (const table of present) {
      const sql = DEMO_OWNERSHIP[table];
      if (sql) real += Number((await c.query<{ count: string }>(sql)).rows[0]?.count ?? 0);
    }
    const runs = present.includes('runs')
      ? Number((await c.query<{ n: string }>('select count(*) as n from runs')).rows[0]?.n ?? 0)
      : 0;
    if (real > 0) {
      throw new InputError(
        'DATABASE_URL',
        `database "${name}" already holds real history (${real} run(s) or row(s) the demo did not make); ` +
          `the demo's invented days would mix with them. Point DATABASE_URL at a dedicated database, e.g. ${dedicated}`,
      );
    }
    if (runs === 0) return 'existing';
    // Only an earlier demo's rows are here: drop exactly our tables, in one transaction, and
    // wait for nobody longer than lock_timeout (a `serve` reading them holds no lock for long).
    await c.query('begin');
    try {
      await c.query(`set local lock_timeout = '10s'`);
      await c.query(`drop table ${present.map((t) => `public."${t}"`).join(', ')}`);
      await c.query('commit');
    } catch (e) {
      await c.query('rollback').catch(() => undefined);
      throw new Error(
        `could not remove the earlier demo's tables from "${name}": ${(e as Error).message}; ` +
          'stop whatever still uses them (a dvc-index serve or start?) and run the demo again',
        { cause: e },
      );
    }
    return 'reset';
  } finally {
    await c.end().catch(() => undefined);
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Delete every key of a queue prefix (the demo's private queues). */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const r = connectRedisOnce(redisUrl);
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/** Run one of our own commands as a child process and return what it printed. */
function runCommand(args: string[], env: Env): Promise<string> {
  const root = packageRoot();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bin', 'dvc-index.js'), ...args],
      { cwd: root, env: { ...env } as NodeJS.ProcessEnv, maxBuffer: 32 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve(err ? `${stdout}${stderr || err.message}\n` : stdout);
      },
    );
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Pick two (unit, group) histories worth showing: the deepest TTTT and MDSH falls, else the province. */
async function pickHistories(
  pool: pg.Pool,
  provinceCode: string,
): Promise<Array<{ unitId: string; name: string; group: string }>> {
  const out: Array<{ unitId: string; name: string; group: string }> = [];
  const has = await pool.query<{ t: string | null }>(`select to_regclass('alerts')::text as t`);
  if (has.rows[0]?.t) {
    const res = await pool.query<{ id: string; name: string; grp: string }>(
      `select distinct on (a.grp) u.id, u.name, a.grp from alerts a join units u on u.id = a.unit_id
       where a.province_code = $1 and a.grp in ('TTTT', 'MDSH')
       order by a.grp desc, a.baseline - a.worst desc, a.id`,
      [provinceCode],
    );
    for (const r of res.rows) out.push({ unitId: r.id, name: r.name, group: r.grp });
  }
  const province = await pool.query<{ id: string; name: string }>(
    `select id, name from units where code = $1 and kind = 'province'`,
    [provinceCode],
  );
  for (const group of ['TTTT', 'MDSH']) {
    const p = province.rows[0];
    if (p && !out.some((o) => o.group === group)) out.push({ unitId: p.id, name: p.name, group });
  }
  return out.slice(0, 2);
}

/** The mails the run sent, from the outbox (subjects are stored there in plain text). */
async function sentMails(pool: pg.Pool): Promise<Array<{ reportDate: string | null; subject: string }>> {
  const has = await pool.query<{ t: string | null }>(`select to_regclass('outbox')::text as t`);
  if (!has.rows[0]?.t) return [];
  const res = await pool.query<{ report_date: string | null; subject: string }>(
    `select to_char(report_date, 'YYYY-MM-DD') as report_date, subject from outbox where state = 'sent' order by sent_at, id`,
  );
  return res.rows.map((r) => ({ reportDate: r.report_date, subject: r.subject }));
}

/** Run the demo; writes its progress and the final printouts to `out`. */
export async function runDemo(env: Env, opts: DemoOptions, out: Out): Promise<DemoResult> {
  const started = Date.now();
  // Validate the user's settings before touching anything (ConfigError → exit 2).
  const base = demoConfig(env, {
    portalUrl: 'http://127.0.0.1:1',
    smtpUrl: 'smtp://127.0.0.1:1',
    queuePrefix: 'dvc-demo',
  });
  // No browser: stop at once with the install line (SetupError, exit 2), before any work.
  const chromiumPath = withChromium(base).chromiumPath;
  const root = packageRoot();
  const scenarioFile = path.resolve(opts.scenario ?? path.join(root, DEMO_SCENARIO));
  const scenario = await loadScenario(scenarioFile);
  const allDates = scenarioDates(scenario);
  if (
    opts.days !== undefined &&
    (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > allDates.length)
  ) {
    throw new InputError('--days', `must be a whole number between 1 and ${allDates.length}`);
  }
  const dates = allDates.slice(0, opts.days ?? allDates.length) as IsoDate[];
  const provinceCode = scenario.province.code;

  const { policy } = await readRedisPolicy(base.redisUrl);
  if (policy !== 'noeviction' && base.redisRequireNoeviction) throw evictionPolicyError(policy);
  const database = await prepareDemoDatabase(base.databaseUrl);
  {
    const pool = createPool(base.databaseUrl, undefined, 1);
    try {
      await migrate(pool);
    } finally {
      await pool.end();
    }
  }

  const outbox = path.resolve(opts.outbox ?? mkdtempSync(path.join(tmpdir(), 'dvc-demo-outbox-')));
  const catcher = await startSmtpCatcher({ dir: outbox });
  const portal = await startReplayPortal({ scenario }, { port: 0, date: dates[0] });
  const queuePrefix = `dvc-demo-${randomUUID().slice(0, 8)}`;
  const config = demoConfig(
    { ...env, CHROMIUM_PATH: chromiumPath },
    {
      portalUrl: portal.url,
      smtpUrl: catcher.url,
      queuePrefix,
    },
  );
  const log = createLogger(config, process.stderr);

  out.write(
    `dvc-index demo: ${scenario.province.name} (${provinceCode}), ${dates.length} report date(s) ` +
      `${dates[0]} … ${dates.at(-1)}\n` +
      `  database  ${redactUrl(config.databaseUrl)} (${database})\n` +
      `  portal    replay portal ${portal.url} with ${scenarioFile.startsWith(root) ? path.relative(root, scenarioFile) : scenarioFile}\n` +
      `  mail      SMTP catcher ${catcher.url}, saving .eml files to ${outbox}\n` +
      `  queues    Redis ${redactUrl(config.redisUrl)}, prefix ${queuePrefix}\n\n`,
  );

  // The real clock: the report dates are explicit in each job, and the outbox compares its
  // database-side timestamps with deps.now().
  const pipeline = await startPipeline(config, log, { scheduler: false, http: false });
  let days: DemoDay[];
  try {
    days = await collectDays(pipeline, portal, {
      provinceCode,
      dates,
      periods: config.periods,
      mailsSince: () => {
        const before = catcher.mails.length;
        return () => catcher.mails.length - before;
      },
      out,
    });
  } finally {
    await pipeline.stop();
    await portal.close();
    await catcher.close();
    await deleteQueueKeys(config.redisUrl, queuePrefix).catch(() => undefined);
  }

  // The printouts come from the real commands, exactly as a user would type them.
  const cmdEnv: Env = {
    ...env,
    DATABASE_URL: config.databaseUrl,
    PROVINCES: provinceCode,
    LOG_LEVEL: 'warn',
  };
  const last = dates.at(-1)!;
  const pool = createPool(config.databaseUrl, undefined, 1);
  let histories: Awaited<ReturnType<typeof pickHistories>> = [];
  let sent: Awaited<ReturnType<typeof sentMails>> = [];
  try {
    histories = await pickHistories(pool, provinceCode);
    sent = await sentMails(pool);
  } finally {
    await pool.end();
  }
  out.write(`\n== dvc-index report --province ${provinceCode} --date ${last}\n\n`);
  out.write(await runCommand(['report', '--province', provinceCode, '--date', last], cmdEnv));
  for (const h of histories) {
    out.write(`\n== dvc-index history --unit ${h.unitId} --group ${h.group}   (${h.name})\n\n`);
    out.write(await runCommand(['history', '--unit', h.unitId, '--group', h.group], cmdEnv));
  }
  out.write('\n== dvc-index alerts --status all\n\n');
  out.write(await runCommand(['alerts', '--status', 'all'], cmdEnv));

  const mailFiles = catcher.mails.map((m) => m.file);
  const seconds = (Date.now() - started) / 1000;
  out.write(
    `\n== mails: ${mailFiles.length} delivered to the SMTP catcher, saved as .eml files in ${outbox}\n\n` +
      sent.map((m) => `  ${m.subject}\n`).join('') +
      '\nThe web page (charts, sortable tables) reads the same database:\n' +
      `  DATABASE_URL=${redactUrl(config.databaseUrl)} npx dvc-index serve\n` +
      `  then open http://${config.httpHost}:${config.httpPort}/\n` +
      `\ndemo finished in ${seconds.toFixed(0)} s\n`,
  );
  return { databaseUrl: config.databaseUrl, database, days, outbox, mailFiles, seconds };
}

export interface CollectDaysInput {
  readonly provinceCode: string;
  readonly dates: readonly IsoDate[];
  readonly periods: readonly PeriodType[];
  /** Called before a day; the function it returns counts the mails that day's run sent. */
  readonly mailsSince: () => (runId: string) => number | Promise<number>;
  readonly out: Out;
}

/**
 * One report date after the other through the real pipeline: the replay portal is set to the
 * date, the collect is enqueued on the queue (trigger `demo`: invented days), and the run is
 * followed to its end (done, failed or blocked) and its mails out of the outbox; one line
 * per day goes to `out`.
 */
export async function collectDays(
  pipeline: Pipeline,
  portal: Pick<ReplayPortal, 'setDate'>,
  input: CollectDaysInput,
): Promise<DemoDay[]> {
  const days: DemoDay[] = [];
  for (const reportDate of input.dates) {
    const t0 = Date.now();
    const mails = input.mailsSince();
    portal.setDate(reportDate);
    const { run } = await enqueueCollect(pipeline.deps, {
      provinceCode: input.provinceCode,
      reportDate,
      trigger: 'demo',
      periods: input.periods,
    });
    let cur: Run | null = run;
    const deadline = Date.now() + DAY_TIMEOUT_MS;
    for (;;) {
      cur = await getRun(pipeline.deps.pool, run.id);
      if (cur && TERMINAL_STATUSES.includes(cur.status) && cur.status !== 'gap') break;
      if (Date.now() > deadline)
        throw new Error(`run for ${reportDate} still ${cur?.status} after ${DAY_TIMEOUT_MS / 1000} s`);
      await sleep(100);
    }
    // notify hands the mail to SMTP right after the run ends: give it a moment to arrive.
    await waitForOutbox(pipeline.deps.pool, run.id, 10_000);
    const day: DemoDay = {
      reportDate,
      run: cur,
      seconds: (Date.now() - t0) / 1000,
      mails: await mails(run.id),
    };
    days.push(day);
    const units = (cur.summary as { ingest?: { units?: number } } | null)?.ingest?.units;
    input.out.write(
      `  ${reportDate}  ${cur.status.padEnd(7)} ${String(cur.requestCount).padStart(3)} requests  ` +
        `${units === undefined ? '' : `${units} units  `}${day.seconds.toFixed(1)} s` +
        `${day.mails > 0 ? `  ✉ ${day.mails} mail(s)` : ''}` +
        `${cur.errorMessage ? `  ${cur.errorClass}: ${cur.errorMessage}` : ''}\n`,
    );
  }
  return days;
}

/** Wait until the run's mails have left the outbox (sent or failed for good), bounded. */
export async function waitForOutbox(pool: pg.Pool, runId: string, timeoutMs: number): Promise<void> {
  const has = await pool.query<{ t: string | null }>(`select to_regclass('outbox')::text as t`);
  if (!has.rows[0]?.t) return;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await pool.query<{ n: string }>(
      `select count(*) as n from outbox where run_id = $1 and state in ('pending', 'sending')`,
      [runId],
    );
    if (Number(r.rows[0]?.n ?? 0) === 0) return;
    await sleep(100);
  }
}
