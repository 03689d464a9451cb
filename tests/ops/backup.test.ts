/**
 * The README's backup and restore commands, run exactly as written (bash, DATABASE_URL set)
 * against a real database: a dump, then damage, then the restore brings every row back.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ROOT } from './cli-child.js';

const run = promisify(execFile);
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const work = mkdtempSync(path.join(tmpdir(), 'dvc-backup-'));
let db: TestDatabase;

/** The shell lines of the code block that follows `<!-- tested: backup -->`. */
function backupCommands(): string[] {
  const m = /<!-- tested: backup -->\n```sh\n([\s\S]*?)```/.exec(README);
  if (!m) throw new Error('README.md has no <!-- tested: backup --> block');
  return m[1]!.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(
    `insert into units (id, code, name, name_key, kind, province_id, first_seen, last_seen)
     values ('019d2be3-6a85-74ec-a341-16615c474af4', 'H18', 'UBND tỉnh Điện Biên', 'ubnd tinh dien bien', 'province', null, '2026-11-01', '2026-11-02')`,
  );
  await db.pool.query(
    `insert into runs (province_code, report_date, trigger, status) values ('H18', '2026-11-01', 'schedule', 'done')`,
  );
  await db.pool.query(
    `insert into scores (unit_id, report_date, period_type, period_year, period_number, grp, score, max_score)
     values ('019d2be3-6a85-74ec-a341-16615c474af4', '2026-11-01', 'year', 2026, 0, 'TTTT', 7.10, 10),
            ('019d2be3-6a85-74ec-a341-16615c474af4', '2026-11-01', 'year', 2026, 0, 'MDSH', null, 22)`,
  );
});
afterAll(async () => {
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

const snapshot = async () =>
  (
    await db.pool.query(
      `select u.name, s.grp, s.score::text as score, r.status
       from scores s join units u on u.id = s.unit_id join runs r on r.report_date = s.report_date order by s.grp`,
    )
  ).rows;

describe('README backup and restore', () => {
  it('dumps, and restores every row after damage', async () => {
    const [dump, restore] = backupCommands();
    expect(dump).toMatch(/^pg_dump /);
    expect(restore).toMatch(/^pg_restore /);
    const before = await snapshot();
    expect(before).toEqual([
      { name: 'UBND tỉnh Điện Biên', grp: 'MDSH', score: null, status: 'done' },
      { name: 'UBND tỉnh Điện Biên', grp: 'TTTT', score: '7.10', status: 'done' },
    ]);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: db.url };
    await run('bash', ['-euo', 'pipefail', '-c', dump!], { cwd: work, env });

    await db.pool.query('delete from scores');
    await db.pool.query('delete from runs');
    expect(await snapshot()).toEqual([]);

    await run('bash', ['-euo', 'pipefail', '-c', restore!], { cwd: work, env });
    expect(await snapshot()).toEqual(before);
  });
});
