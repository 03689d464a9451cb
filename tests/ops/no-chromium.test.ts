/**
 * A machine without a browser: every command that drives one stops at once with exit 2 and
 * one line naming Chromium and how to install it, before touching PostgreSQL, Redis or the
 * portal (checked once up front, never discovered per job and retried).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_PG_ADMIN_URL } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { runCli } from './cli-child.js';

const empty = mkdtempSync(path.join(tmpdir(), 'dvc-no-chromium-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

const dbName = `dvc_t_nochrome_${Math.random().toString(36).slice(2, 10)}`;
const dbUrl = (() => {
  const u = new URL(TEST_PG_ADMIN_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

/** No browser anywhere: nothing on PATH, no Playwright browser, CHROMIUM_PATH as given. */
function noBrowserEnv(chromiumPath: string): Record<string, string> {
  const env = testEnv({
    DATABASE_URL: dbUrl,
    CHROMIUM_PATH: chromiumPath,
    PATH: empty,
    HOME: empty,
    PLAYWRIGHT_BROWSERS_PATH: empty,
    LOG_LEVEL: 'info',
  });
  delete env.PORTAL_BASE_URL;
  return env;
}

async function databaseExists(): Promise<boolean> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  try {
    return (await c.query('select 1 from pg_database where datname = $1', [dbName])).rowCount === 1;
  } finally {
    await c.end();
  }
}

describe('without Chromium', () => {
  it.each([
    [['demo', '--days', '1'], '/nonexistent'],
    [['demo', '--days', '1'], ''],
    [['start'], '/nonexistent'],
    [['collect', '--wait'], ''],
    [['probe', '--province', 'H18'], '/nonexistent'],
  ])(
    '`dvc-index %j` (CHROMIUM_PATH=%j) exits 2 with one line saying how to install it',
    async (args, chromiumPath) => {
      const r = await runCli(args, noBrowserEnv(chromiumPath), 60_000);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^dvc-index: Chromium not found/);
      expect(lines[0]).toContain('sudo apt-get install chromium');
      expect(lines[0]).toContain('or set CHROMIUM_PATH');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      // Stopped before any work: the demo did not even create its database.
      expect(await databaseExists()).toBe(false);
    },
  );

  it('doctor shows the install line on its chromium check and exits 2', async () => {
    const r = await runCli(['doctor'], noBrowserEnv('/nonexistent'), 60_000);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      /^FAIL {2}chromium +Chromium not found: CHROMIUM_PATH=\/nonexistent is not an executable file; install Chromium/m,
    );
    expect(r.stdout).toMatch(/^PASS {2}config/m);
  });
});
