/**
 * `dvc-index doctor`: every outside thing the worker needs, checked once, one pass/fail line
 * each — PostgreSQL (and pending migrations), Redis (eviction policy), the portal circuit,
 * Chromium (a real launch), SMTP (a real login, when SMTP_URL is set) and the portal (one
 * polite GET of the evaluation page, never an API call).
 */
import nodemailer from 'nodemailer';
import { chromium } from 'playwright';
import type { Config } from '../config.js';
import { SetupError, toError } from '../errors.js';
import { CHROMIUM_ARGS } from '../source/browser.js';
import { classifyPageLoad } from '../source/classify.js';
import { findChromium } from '../source/find-chromium.js';
import { EVALUATION_PAGE_PATH } from '../source/requests.js';
import { getCircuit, portalHost } from '../store/circuit.js';
import { createPool } from '../store/db.js';
import { readMigrations } from '../store/migrate.js';
import { escapeControlChars } from '../text.js';
import { evictionPolicyError } from './preflight.js';
import { checkPostgres, readRedisPolicy, redactUrl } from './services.js';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface DoctorCheck {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** The check failed on something this machine lacks (exit 2 rather than 1). */
  readonly setup?: boolean;
}

export interface DoctorOptions {
  /** Time allowed to each network check (ms). */
  readonly timeoutMs?: number;
}

async function check(name: string, fn: () => Promise<string | { skip: string }>): Promise<DoctorCheck> {
  try {
    const r = await fn();
    return typeof r === 'string'
      ? { name, status: 'pass', detail: r }
      : { name, status: 'skip', detail: r.skip };
  } catch (e) {
    const detail = toError(e).message.replace(/\s*\n\s*/g, ' ');
    return e instanceof SetupError
      ? { name, status: 'fail', detail, setup: true }
      : { name, status: 'fail', detail };
  }
}

async function checkDatabase(config: Config, timeoutMs: number): Promise<string> {
  const { serverVersion } = await checkPostgres(config.databaseUrl, timeoutMs);
  const pool = createPool(config.databaseUrl, undefined, 1);
  try {
    const files = await readMigrations();
    const has = await pool.query<{ t: string | null }>(`select to_regclass('schema_migrations')::text as t`);
    let done = new Set<string>();
    if (has.rows[0]?.t) {
      done = new Set(
        (await pool.query<{ name: string }>('select name from schema_migrations')).rows.map((r) => r.name),
      );
    }
    const pending = files.filter((f) => !done.has(f.name)).length;
    return `PostgreSQL ${serverVersion} at ${redactUrl(config.databaseUrl)}; ${
      pending === 0
        ? 'migrations up to date'
        : `${pending} migration(s) pending (dvc-index migrate, or start applies them)`
    }`;
  } finally {
    await pool.end();
  }
}

async function checkRedis(config: Config, timeoutMs: number): Promise<string> {
  const { policy, version } = await readRedisPolicy(config.redisUrl, timeoutMs);
  if (policy !== 'noeviction' && config.redisRequireNoeviction) throw evictionPolicyError(policy);
  return `Redis ${version} at ${redactUrl(config.redisUrl)}; maxmemory-policy ${policy}${
    policy === 'noeviction' ? '' : ' (accepted: REDIS_REQUIRE_NOEVICTION=false)'
  }`;
}

async function checkCircuit(config: Config): Promise<string> {
  const host = portalHost(config.portalBaseUrl);
  const pool = createPool(config.databaseUrl, undefined, 1);
  try {
    const has = await pool.query<{ t: string | null }>(`select to_regclass('circuit')::text as t`);
    if (!has.rows[0]?.t) return `${host}: closed (database not migrated yet)`;
    const c = await getCircuit(pool, host);
    if (c.state === 'open') {
      throw new Error(
        `${host}: OPEN since ${c.openedAt?.toISOString()} (${c.reason}${c.supportId ? `, support id ${c.supportId}` : ''}); ` +
          'collection is stopped until `dvc-index circuit close --reason "..."`',
      );
    }
    return `${host}: closed`;
  } finally {
    await pool.end();
  }
}

async function checkChromium(config: Config, timeoutMs: number): Promise<string | { skip: string }> {
  if (config.portalTransport !== 'browser') return { skip: 'PORTAL_TRANSPORT=direct needs no browser' };
  const found = findChromium({ configured: config.chromiumPath });
  if (!config.portalHeadless && !process.env.DISPLAY) {
    throw new Error(
      'PORTAL_HEADLESS=false but no display (DISPLAY unset): run under xvfb-run, as the image does',
    );
  }
  const browser = await chromium.launch({
    executablePath: found.path,
    headless: config.portalHeadless,
    args: [...CHROMIUM_ARGS],
    timeout: timeoutMs,
  });
  try {
    const page = await browser.newPage();
    await page.setContent('<p lang="vi">Điện Biên</p>');
    const text = await page.textContent('p');
    if (text !== 'Điện Biên') throw new Error(`Chromium rendered "${text}" instead of "Điện Biên"`);
    return `${found.path} (Chromium ${browser.version()}, ${config.portalHeadless ? 'headless' : 'headed'}, from ${found.source}) launched`;
  } finally {
    await browser.close();
  }
}

async function checkSmtp(config: Config, timeoutMs: number): Promise<string | { skip: string }> {
  if (config.smtpUrl === '') return { skip: 'SMTP_URL is empty: mails stay in the outbox' };
  const transport = nodemailer.createTransport(config.smtpUrl, {
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  } as never);
  try {
    await transport.verify();
    return `${redactUrl(config.smtpUrl)} accepted the connection${new URL(config.smtpUrl).username ? ' and the login' : ''}`;
  } catch (e) {
    throw new Error(`SMTP_URL ${redactUrl(config.smtpUrl)}: ${toError(e).message}`);
  } finally {
    transport.close();
  }
}

/** HTTP header values must be Latin-1: fold Vietnamese letters (the default names "QĐ766"). */
export function headerSafe(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^\x20-\x7e]/g, '?');
}

async function checkPortal(config: Config, timeoutMs: number): Promise<string> {
  const url = new URL(EVALUATION_PAGE_PATH, config.portalBaseUrl).toString();
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { 'user-agent': headerSafe(config.portalUserAgent), accept: 'text/html' },
      redirect: 'follow',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `cannot reach ${url} (PORTAL_BASE_URL): ${cause?.code ?? cause?.message ?? toError(e).message}; ` +
        'this network may not reach the portal',
    );
  }
  const body = Buffer.from(await res.arrayBuffer());
  const err = classifyPageLoad({
    status: res.status,
    contentType: res.headers.get('content-type'),
    body,
    url,
  });
  if (err) throw err;
  return `${url} answered HTTP ${res.status} (${body.length} bytes, one request)`;
}

/** Run every check (each in isolation: one failing never hides the others). */
export async function runDoctor(config: Config, opts: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const t = opts.timeoutMs ?? 10_000;
  const checks: DoctorCheck[] = [{ name: 'config', status: 'pass', detail: 'every variable is valid' }];
  checks.push(await check('postgres', () => checkDatabase(config, t)));
  checks.push(await check('redis', () => checkRedis(config, t)));
  const pgOk = checks[1]?.status === 'pass';
  checks.push(
    pgOk
      ? await check('circuit', () => checkCircuit(config))
      : { name: 'circuit', status: 'skip', detail: 'needs PostgreSQL' },
  );
  checks.push(await check('chromium', () => checkChromium(config, t)));
  checks.push(await check('smtp', () => checkSmtp(config, t)));
  checks.push(await check('portal', () => checkPortal(config, Math.max(t, config.portalTimeoutMs))));
  return checks;
}

/** One line per check: `PASS  postgres  PostgreSQL 16 at …`. */
export function formatDoctor(checks: readonly DoctorCheck[]): string {
  const w = Math.max(...checks.map((c) => c.name.length));
  // details quote servers and pages: shown, never obeyed by the terminal
  const lines = checks.map(
    (c) => `${c.status.toUpperCase().padEnd(4)}  ${c.name.padEnd(w)}  ${escapeControlChars(c.detail)}`,
  );
  const failed = checks.filter((c) => c.status === 'fail').length;
  lines.push(failed === 0 ? 'doctor: all checks passed' : `doctor: ${failed} check(s) failed`);
  return `${lines.join('\n')}\n`;
}
