/**
 * `dvc-index contacts` as a person runs it: child processes against a real database. Units
 * are matched as `history --unit` matches them; an unmatched or ambiguous unit, or a bad
 * address, stops the command (exit 2) naming it, and nothing is written.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { seedHistory } from '../helpers/seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'dvc-contacts-'));
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedHistory(db.pool, { from: '2026-11-01', days: 1, agencies: 5, communes: 6 });
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', 'contacts', ...args],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: { PATH: process.env.PATH, DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function stored(): Promise<string[]> {
  const r = await db.pool.query(
    `select coalesce(u.code, u.name) || ' ' || c.email as x from contacts c join units u on u.id = c.unit_id order by 1`,
  );
  return r.rows.map((x) => x.x);
}

describe('dvc-index contacts', { timeout: 120_000 }, () => {
  it('sets a unit’s addresses by code or accent-insensitive name; set again changes nothing', async () => {
    const a = await cli('set', 'H18.01', 'VanPhong@syt.dienbien.gov.vn', 'it@syt.dienbien.gov.vn');
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(
      'H18.01 Sở Y tế: it@syt.dienbien.gov.vn, vanphong@syt.dienbien.gov.vn (added 2, removed 0)',
    );
    const b = await cli('set', 'so y te', 'it@syt.dienbien.gov.vn', 'vanphong@syt.dienbien.gov.vn');
    expect(b.code).toBe(0);
    expect(b.stdout).toContain('(unchanged)');
    // set makes the list exactly these
    const c = await cli('set', 'xa muong phang', 'ubnd@muongphang.dienbien.gov.vn');
    expect(c.code).toBe(0);
    expect(await stored()).toEqual([
      'H18.01 it@syt.dienbien.gov.vn',
      'H18.01 vanphong@syt.dienbien.gov.vn',
      expect.stringMatching(/^H18\.\d+ ubnd@muongphang\.dienbien\.gov\.vn$/),
    ]);
  });

  it('stops on an unknown or ambiguous unit, or a bad address, naming it; nothing is written', async () => {
    const before = await stored();
    const unknown = await cli('set', 'Sở Không Có', 'a@b.vn');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('<unit>: no unit matches "Sở Không Có"');
    const ambiguous = await cli('set', 'xa', 'a@b.vn');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/<unit>: "xa" matches \d+ units; give the code or the departmentId/);
    expect(ambiguous.stderr).toContain('Xã Nà Tấu');
    const bad = await cli('set', 'H18.01', 'not-an-address');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('<email>: "not-an-address" is not an e-mail address');
    expect(await stored()).toEqual(before);
  });

  it('imports a CSV all or nothing, naming the file and line of the first problem', async () => {
    const before = await stored();
    const badFile = path.join(dir, 'bad.csv');
    writeFileSync(badFile, '\uFEFFĐơn vị;E-mail\nH18.02;tc@stc.dienbien.gov.vn\nphuong;x@y.vn\n');
    const bad = await cli('import', badFile);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${badFile} line 3: "phuong" matches`);
    expect(await stored()).toEqual(before);

    const good = path.join(dir, 'good.csv');
    writeFileSync(
      good,
      'unit,email\nH18.02,tc@stc.dienbien.gov.vn\n"Sở Xây dựng","xd@sxd.dienbien.gov.vn; kt@sxd.dienbien.gov.vn"\n\nso y te,it@syt.dienbien.gov.vn\n',
    );
    const ok = await cli('import', good);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(': 3 row(s), 3 unit(s), 3 address(es) added');
    const again = await cli('import', good);
    expect(again.stdout).toContain('0 address(es) added');
    const list = await cli('list', '--format', 'json');
    const rows = JSON.parse(list.stdout) as { unitCode: string; emails: string[] }[];
    expect(rows.find((r) => r.unitCode === 'H18.04')?.emails).toEqual([
      'kt@sxd.dienbien.gov.vn',
      'xd@sxd.dienbien.gov.vn',
    ]);
    expect(rows.map((r) => r.unitCode)).toEqual([
      'H18.01',
      'H18.02',
      'H18.04',
      expect.stringMatching(/^H18\.1/),
    ]);
    const missing = await cli('import', path.join(dir, 'none.csv'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('<file>: cannot read');
  });

  it('unsets some addresses, or all, and lists what is left', async () => {
    const one = await cli('unset', 'H18.04', 'KT@sxd.dienbien.gov.vn');
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('removed 1 (kt@sxd.dienbien.gov.vn)');
    const all = await cli('unset', 'so y te');
    expect(all.stdout).toContain('removed 2');
    const table = await cli('list');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('xd@sxd.dienbien.gov.vn');
    expect(table.stdout).not.toContain('syt.dienbien');
    expect(await stored()).not.toContainEqual(expect.stringContaining('H18.01 '));
  });
});
