/**
 * `dvc-index seed`: give a try stack the history its replay portal tells, so that a person
 * trying dvc-index sees weeks of days, falls and digest mails within minutes instead of one
 * day per morning. It reads the scenario the replay portal at PORTAL_BASE_URL serves
 * (`GET /__replay/scenario`, after its anchoring), and runs every one of its report dates
 * before the latest due one that has no run yet through the real pipeline, as the demo does:
 * a BullMQ queue (a private prefix, removed afterwards), collect → ingest → detect → notify,
 * the configured SMTP server. The days are collected from a replay portal of its own serving
 * that same scenario (stepped day by day: the shared one answers the worker's own collects
 * for "today"), with the direct transport by default (plain HTTP: seconds, not minutes, and no
 * browser needed; `--transport browser` for Chromium). Its runs say trigger `demo` (invented
 * days). The latest due date is left to the worker's own path (catch-up, cron), exactly as in
 * production, and nothing stored is ever touched: a day with a run is skipped (a recorded gap
 * is filled).
 *
 * It refuses to run against the real portal (PORTAL_BASE_URL must be a replay portal in
 * scenario mode): invented days never enter a real history.
 */
import { randomUUID } from 'node:crypto';
import { type Config, loadConfig } from '../config.js';
import { type IsoDate, isIsoDate } from '../domain.js';
import { InputError } from '../errors.js';
import { createLogger } from '../logger.js';
import { startPipeline } from '../main.js';
import { parseScenario, type Scenario, scenarioDates } from '../replay/scenario.js';
import { startReplayPortal } from '../replay/server.js';
import { latestDueReportDate } from '../schedule/due.js';
import { withChromium } from '../source/find-chromium.js';
import { collectDays, type DemoDay, deleteQueueKeys } from './demo.js';
import { evictionPolicyError } from './preflight.js';
import { readRedisPolicy, redactUrl } from './services.js';

type Env = Readonly<Record<string, string | undefined>>;
type Out = Pick<NodeJS.WriteStream, 'write'>;

export type SeedTransport = 'direct' | 'browser';

export interface SeedOptions {
  readonly transport?: SeedTransport;
  /** The clock (tests); default the real one. */
  readonly now?: Date;
}

export interface SeedResult {
  readonly provinceCode: string;
  /** The report dates the scenario has before the latest due one. */
  readonly planned: readonly IsoDate[];
  /** Of those, the ones that already had a run (left as they are). */
  readonly skipped: readonly IsoDate[];
  readonly days: readonly DemoDay[];
  readonly latestDue: IsoDate;
  readonly seconds: number;
}

/** Hosts that are the real portal: seed never contacts them. */
const REAL_PORTAL = /(^|\.)dichvucong\.gov\.vn$/i;
const FETCH_TIMEOUT_MS = 10_000;

/** The scenario served by the replay portal at `baseUrl` (InputError naming PORTAL_BASE_URL otherwise). */
export async function fetchReplayScenario(baseUrl: string): Promise<Scenario> {
  const url = new URL(baseUrl);
  const hint =
    'seed stores invented days, so it runs only against a replay portal in scenario mode ' +
    '(the try stack: PORTAL_BASE_URL=http://replay-portal:8090)';
  if (REAL_PORTAL.test(url.hostname)) {
    throw new InputError('PORTAL_BASE_URL', `${url.origin} is the real portal; ${hint}`);
  }
  const target = new URL('/__replay/scenario', url);
  let res: Response;
  try {
    res = await fetch(target, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (e) {
    throw new InputError(
      'PORTAL_BASE_URL',
      `${redactUrl(url.origin)} did not answer (${(e as Error).message}); start the replay portal first — ${hint}`,
    );
  }
  const text = await res.text();
  if (res.status !== 200) {
    throw new InputError(
      'PORTAL_BASE_URL',
      `${redactUrl(target.toString())} answered ${res.status}, not a scenario; ${hint}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError('PORTAL_BASE_URL', `${redactUrl(target.toString())} did not answer JSON; ${hint}`);
  }
  return parseScenario(value, `scenario of ${redactUrl(url.origin)}`);
}

/**
 * The seed's configuration: the user's (database, Redis, SMTP, recipients, periods), with
 * what must be local forced: its own replay portal, a private queue prefix, no pause between
 * requests to a local server, no schedule.
 */
export function seedConfig(
  env: Env,
  forced: { portalUrl: string; queuePrefix: string; transport: SeedTransport },
): Config {
  return loadConfig({
    ...env,
    PORTAL_BASE_URL: forced.portalUrl,
    PORTAL_TRANSPORT: forced.transport,
    QUEUE_PREFIX: forced.queuePrefix,
    PORTAL_MIN_GAP_MS: '0',
    PORTAL_JITTER_MS: '0',
    CATCH_UP: 'false',
    ALERT_NO_DATA_BY: '',
    JOB_BACKOFF_MS: env.JOB_BACKOFF_MS ?? '1000',
  });
}

export async function runSeed(env: Env, opts: SeedOptions, out: Out): Promise<SeedResult> {
  const started = Date.now();
  const transport = opts.transport ?? 'direct';
  // Validate the user's settings before touching anything (ConfigError → exit 2).
  const given = loadConfig(env);
  const scenario = await fetchReplayScenario(given.portalBaseUrl);
  const provinceCode = scenario.province.code;
  if (!given.provinces.includes(provinceCode)) {
    throw new InputError(
      'PROVINCES',
      `the replay portal's scenario describes ${provinceCode}, which PROVINCES (${given.provinces.join(',')}) does not watch; add it`,
    );
  }
  const latestDue = latestDueReportDate(opts.now ?? new Date(), given);
  const planned = scenarioDates(scenario).filter((d): d is IsoDate => isIsoDate(d) && d < latestDue);

  const queuePrefix = `dvc-seed-${randomUUID().slice(0, 8)}`;
  const probe = seedConfig(env, { portalUrl: 'http://127.0.0.1:1', queuePrefix, transport });
  const chromium = transport === 'browser' ? { CHROMIUM_PATH: withChromium(probe).chromiumPath } : {};
  const { policy } = await readRedisPolicy(probe.redisUrl);
  if (policy !== 'noeviction' && probe.redisRequireNoeviction) throw evictionPolicyError(policy);

  const portal = await startReplayPortal({ scenario }, { port: 0 });
  const config = seedConfig({ ...env, ...chromium }, { portalUrl: portal.url, queuePrefix, transport });
  const log = createLogger(config, process.stderr);
  let days: DemoDay[] = [];
  let skipped: IsoDate[] = [];
  try {
    // Migrations are advisory-locked: the worker starting beside us may apply them too.
    const pipeline = await startPipeline(config, log, { scheduler: false, http: false });
    try {
      // A day is known when it has a run, except a recorded gap (nobody captured it: the
      // worker's catch-up records those when it starts beside a seed still under way) and a
      // run an interrupted seed left queued; those are collected like the others.
      const known = await pipeline.deps.pool.query<{ d: string }>(
        `select to_char(report_date, 'YYYY-MM-DD') as d from runs
          where province_code = $1 and report_date = any($2::date[])
            and status <> 'gap' and not (trigger = 'demo' and status = 'queued')`,
        [provinceCode, planned],
      );
      const have = new Set(known.rows.map((r) => r.d));
      skipped = planned.filter((d) => have.has(d));
      const todo = planned.filter((d) => !have.has(d));
      out.write(
        `dvc-index seed: ${scenario.province.name} (${provinceCode}) from the replay portal at ${redactUrl(given.portalBaseUrl)}\n` +
          `  report dates ${planned[0] ?? '–'} … ${planned.at(-1) ?? '–'} (${planned.length}, before the latest due ${latestDue}, which the worker collects)\n` +
          `  ${todo.length} to store, ${skipped.length} already known (left as they are)\n` +
          `  through the pipeline: queue prefix ${queuePrefix}, ${transport} transport, database ${redactUrl(config.databaseUrl)}\n\n`,
      );
      days = await collectDays(pipeline, portal, {
        provinceCode,
        dates: todo,
        periods: config.periods,
        mailsSince: () => async (runId) => {
          const r = await pipeline.deps.pool.query<{ n: string }>(
            `select count(*) as n from outbox where run_id = $1 and state = 'sent'`,
            [runId],
          );
          return Number(r.rows[0]?.n ?? 0);
        },
        out,
      });
    } finally {
      await pipeline.stop();
    }
  } finally {
    await portal.close();
    await deleteQueueKeys(config.redisUrl, queuePrefix).catch(() => undefined);
  }
  const seconds = (Date.now() - started) / 1000;
  const done = days.filter((d) => d.run.status === 'done').length;
  const mails = days.reduce((a, d) => a + d.mails, 0);
  out.write(
    `\nseed finished in ${seconds.toFixed(0)} s: ${done}/${days.length} day(s) stored, ${mails} mail(s) sent\n`,
  );
  return { provinceCode, planned, skipped, days, latestDue, seconds };
}
