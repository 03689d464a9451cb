/** Shared pieces of the pipeline integration tests: config, waits, dumps, child processes. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { type Config, loadConfig } from '../../../src/config.js';
import { testEnv } from '../../helpers/env.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function pipelineEnv(opts: {
  dbUrl: string;
  prefix: string;
  portalUrl: string;
  extra?: Record<string, string>;
}) {
  return testEnv({
    DATABASE_URL: opts.dbUrl,
    QUEUE_PREFIX: opts.prefix,
    PORTAL_BASE_URL: opts.portalUrl,
    PORTAL_TRANSPORT: 'browser',
    PORTAL_TIMEOUT_MS: '15000',
    PROVINCES: 'H18',
    PERIODS: 'year,month',
    // Far away: ticks never fire during a test; catch-up and manual runs drive the days.
    CRON_SCHEDULE: '0 0 1 1 *',
    CATCH_UP: 'false',
    JOB_ATTEMPTS: '3',
    JOB_BACKOFF_MS: '200',
    MIGRATE_ON_START: 'false',
    SHUTDOWN_TIMEOUT_MS: '8000',
    HTTP_PORT: '0',
    ...opts.extra,
  });
}

export function pipelineConfig(opts: Parameters<typeof pipelineEnv>[0]): Config {
  return loadConfig(pipelineEnv(opts));
}

/** Poll `probe` until it returns a value, at most `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 45_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function runStatus(pool: pg.Pool, reportDate: string): Promise<string | null> {
  const r = await pool.query<{ status: string }>(
    `select status from runs where province_code = 'H18' and report_date = $1`,
    [reportDate],
  );
  return r.rows[0]?.status ?? null;
}

/** Everything a run stores, in a stable order, for equality checks. */
export async function dumpSnapshots(pool: pg.Pool) {
  const q = async (sql: string) => (await pool.query(sql)).rows;
  return {
    units: await q(
      `select id, code, name, name_key, kind, province_id, first_seen::text, last_seen::text, updated_at from units order by id`,
    ),
    scores: await q(
      `select unit_id, report_date::text, period_type, period_year, period_number, grp, score, max_score, rank, rank_of,
         flags, run_id from scores order by 1, 2, 3, 4, 5, 6`,
    ),
    metrics:
      await q(`select m.*, m.report_date::text as d from metrics m order by unit_id, report_date, period_type,
         period_year, period_number, grp, code`),
  };
}

export async function countRows(pool: pg.Pool, table: 'runs' | 'captures' | 'scores' | 'metrics' | 'units') {
  return (await pool.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]?.n ?? 0;
}

export interface Child {
  readonly proc: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** A child process (tsx) with the given env; its output is kept for failure messages. */
export function spawnChild(args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a kill -9 takes its Chromium down with it.
    detached: true,
  });
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  proc.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

/** kill -9 the child and everything it started (its process group). */
export async function killChild(child: Child): Promise<void> {
  if (child.proc.pid === undefined || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  try {
    process.kill(-child.proc.pid, 'SIGKILL');
  } catch {
    child.proc.kill('SIGKILL');
  }
  await child.exited;
}

/** Stop a child: SIGTERM, then SIGKILL after `ms`. Resolves with its exit code. */
export async function stopChild(child: Child, ms = 15_000): Promise<number | null> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return child.proc.exitCode;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => void killChild(child), ms);
  const code = await child.exited;
  clearTimeout(timer);
  return code;
}
