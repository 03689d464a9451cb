/**
 * `units`, `history` and `report` as a person runs them: child processes against a real,
 * seeded database, checking stdout, stderr and exit codes (2 for bad input and ambiguity).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/domain.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type ReadScenario, SCENARIO_DAYS, SCENARIO_GAP_DAY, seedReadScenario } from '../helpers/seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let db: TestDatabase;
let s: ReadScenario;

beforeAll(async () => {
  db = await createTestDatabase();
  s = await seedReadScenario(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  raw: Buffer;
}

function cli(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', ...args],
      {
        cwd: ROOT,
        encoding: 'buffer',
        timeout: 30_000,
        env: { PATH: process.env.PATH, DATABASE_URL: db.url, LOG_LEVEL: 'silent', PROVINCES: 'H18' },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'), raw: stdout });
      },
    );
  });
}

describe('dvc-index units', { timeout: 120_000 }, () => {
  it('lists a province’s agencies as JSON and all units as CSV with a BOM', async () => {
    const json = await cli('units', '--province', 'H18', '--kind', 'agency', '--format', 'json');
    expect(json.code).toBe(0);
    const units = JSON.parse(json.stdout) as { name: string; kind: string }[];
    expect(units.map((u) => u.name)).toEqual([
      'Sở Y tế',
      'Sở Giáo dục và Đào tạo',
      'Sở Tài chính',
      'Sở Xây dựng',
      'Sở Nội vụ',
    ]);
    const csv = await cli('units', '--format', 'csv');
    expect(csv.code).toBe(0);
    expect([...csv.raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.stdout
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('Mã,Tên đơn vị,Loại,Tỉnh,Lần đầu,Lần cuối,departmentId');
    expect(lines).toHaveLength(13);
    expect(lines).toContain(`H18.105,Xã Nà Tấu,"Xã, phường",H18,${s.first},${s.last},${s.notEvaluated.id}`);
  });

  it('exits 2 naming the flag for a bad kind', async () => {
    const res = await cli('units', '--kind', 'ministry');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--kind');
    expect(res.stdout).toBe('');
  });
});

describe('dvc-index history', { timeout: 120_000 }, () => {
  it('finds "so y te" without accents and prints its history as JSON', async () => {
    const res = await cli('history', '--unit', 'so y te', '--group', 'TTTT', '--format', 'json');
    expect(res.code).toBe(0);
    const body = JSON.parse(res.stdout);
    expect(body.unit).toMatchObject({ id: s.health.id, name: 'Sở Y tế', code: 'H18.01' });
    expect(body.points).toHaveLength(SCENARIO_DAYS - 1);
    expect(body.points.at(-1)).toMatchObject({ date: s.last, groups: { TTTT: { score: 4.5, max: 10 } } });
    expect(body.points.map((p: { date: string }) => p.date)).not.toContain(
      addDays(s.first, SCENARIO_GAP_DAY),
    );
  });

  it('lists the candidates and exits 2 when the name is ambiguous', async () => {
    const res = await cli('history', '--unit', 'sở');
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('--unit');
    expect(res.stderr).toContain('matches 5 units');
    for (const a of ['Sở Y tế', 'Sở Giáo dục và Đào tạo', 'Sở Tài chính', 'Sở Xây dựng', 'Sở Nội vụ'])
      expect(res.stderr).toContain(a);
    expect(res.stderr).toContain(s.health.id);
  });

  it('exits 2 for an unknown unit, group or date', async () => {
    const [unknown, group, date] = await Promise.all([
      cli('history', '--unit', 'Sở Ngoại giao'),
      cli('history', '--unit', 'H18.01', '--group', 'PAYMENT'),
      cli('history', '--unit', 'H18.01', '--from', '2026-02-31'),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--unit: no unit matches');
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('--group');
    expect(date.code).toBe(2);
    expect(date.stderr).toContain('--from');
  });

  it('prints a missing value as "–" in the table and an empty cell in CSV, a real 0 as 0.00', async () => {
    const d10 = addDays(s.first, 10);
    const table = await cli(
      'history',
      '--unit',
      'H18.03',
      '--group',
      'MDSH',
      '--from',
      d10,
      '--to',
      addDays(s.first, 11),
    );
    expect(table.code).toBe(0);
    const row = table.stdout.split('\n').find((l) => l.startsWith(d10))!;
    expect(row).toMatch(/^\S+\s+2026\s+–\s+22\.00/);
    const csv = await cli(
      'history',
      '--unit',
      'sở xây dựng',
      '--group',
      'TTTT',
      '--to',
      addDays(s.first, 1),
      '--format',
      'csv',
    );
    expect(csv.code).toBe(0);
    const lines = csv.stdout
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(`${s.first},H18.04,Sở Xây dựng,Năm,2026,0.00,10.00,${s.construction.id},cổng`);
  });
});

describe('dvc-index report', { timeout: 120_000 }, () => {
  it('prints the JSON contract: province, then agencies, then communes', async () => {
    const res = await cli('report', '--province', 'H18', '--format', 'json');
    expect(res.code).toBe(0);
    const body = JSON.parse(res.stdout);
    expect(Object.keys(body)).toEqual(['province', 'agencies', 'communes']);
    expect(Object.keys(body.province).sort()).toEqual(
      ['classification', 'code', 'groups', 'id', 'name', 'rank', 'rankOf', 'total'].sort(),
    );
    expect(Object.keys(body.province.groups)).toEqual(['CKMB', 'TDGQ', 'CLGQ', 'TTTT', 'MDSH', 'MDHL']);
    expect(body.province.groups.TTTT).toEqual({ score: expect.any(Number), max: 10 });
    expect(body.agencies).toHaveLength(5);
    expect(body.communes).toHaveLength(6);
    const naTau = body.communes.find((c: { id: string }) => c.id === s.notEvaluated.id);
    expect(naTau).toMatchObject({ total: null, rank: null, classification: null });
    expect(body.communes.at(-1).id).toBe(s.notEvaluated.id);
    const health = body.agencies.find((a: { id: string }) => a.id === s.health.id);
    expect(health.groups.TTTT).toEqual({ score: 4.5, max: 10 });
  });

  it('prints the table with the date, and "chưa đánh giá" for a unit without a score', async () => {
    const res = await cli('report', '--date', addDays(s.first, 20));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Ngày báo cáo ${addDays(s.first, 20)}, kỳ 2026`);
    const naTau = res.stdout.split('\n').find((l) => l.includes('Xã Nà Tấu'))!;
    expect(naTau).toContain('chưa đánh giá');
    expect(naTau).not.toMatch(/\b0\.00\b/);
    expect(res.stdout.indexOf('Sở, ban, ngành')).toBeLessThan(res.stdout.indexOf('Xã, phường'));
  });

  it('exits 2 naming --date for a day without data or a malformed date, --period for a bad period', async () => {
    const [gap, bad, period] = await Promise.all([
      cli('report', '--date', addDays(s.first, SCENARIO_GAP_DAY)),
      cli('report', '--date', '26/11/2026'),
      cli('report', '--period', 'week'),
    ]);
    expect(gap.code).toBe(2);
    expect(gap.stderr).toContain('--date');
    expect(gap.stderr).toContain(addDays(s.first, SCENARIO_GAP_DAY - 1));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--date');
    expect(period.code).toBe(2);
    expect(period.stderr).toContain('--period');
  });
});
