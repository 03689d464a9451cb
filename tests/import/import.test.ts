/**
 * `dvc-index import`: a hand-made appendix (CSV with decimal commas, diacritics, the
 * " - tỉnh Điện Biên" suffix, "UBND xã" prefixes, capitals, a name without accents, a unit
 * not evaluated) matched to the known units and stored as an imported day; an unknown name
 * stops it with nothing stored; the same file again changes nothing; captured days are never
 * overwritten; and then `--compare-with last-year` compares 2026 with the imported 2025.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { GROUP_CODES } from '../../src/domain.js';
import { runImport } from '../../src/import/import-file.js';
import { matchKey } from '../../src/import/match.js';
import { parseScore } from '../../src/import/parse-appendix.js';
import { readUnitHistory } from '../../src/query/history.js';
import { readOfficeReport } from '../../src/query/office-report.js';
import { buildProvinceReport } from '../../src/query/province-report.js';
import { comparisonSentences } from '../../src/report/office-text.js';
import { renderXlsx } from '../../src/report/xlsx.js';
import { loadSeries, periodsOn } from '../../src/store/alerts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { seeded, seedProvince } from '../report/office-seed.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(ROOT, 'tests/fixtures/import/phu-luc-2025.csv');
const config = loadConfig(testEnv({ PROVINCES: 'H18' }));
const Y2025 = { type: 'year', year: 2025, number: 0 } as const;
let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedProvince(db.pool);
  dir = await mkdtemp(path.join(tmpdir(), 'dvc-import-'));
});
afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', ...args],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: { PATH: process.env.PATH, DATABASE_URL: db.url, LOG_LEVEL: 'silent', PROVINCES: 'H18' },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.pool.query<{ n: string }>(sql, params)).rows[0]!.n);
}

describe('matching', () => {
  it('folds accents, case, the province suffix and "UBND"', () => {
    expect(matchKey('Sở Y tế - tỉnh Điện Biên')).toBe(matchKey('SO Y TE'));
    expect(matchKey('UBND xã Mường Phăng')).toBe(matchKey('Xã Mường Phăng'));
    expect(matchKey('Sở Nội vụ  - Tỉnh Điện Biên')).toBe('so noi vu');
    expect(parseScore('19,81', 'x', 20)).toBe(19.81);
    expect(parseScore('–', 'x', 20)).toBeNull();
    expect(() => parseScore('21', 'Phụ lục!D7', 20)).toThrow('Phụ lục!D7: 21 is outside 0–20');
    expect(() => parseScore('abc', 'Phụ lục!D7', 20)).toThrow('"abc" is not a score');
  });
});

describe('dvc-index import', { timeout: 120_000 }, () => {
  it('--dry-run prints the match table and stores nothing', async () => {
    const r = await cli(
      'import',
      '--file',
      FIXTURE,
      '--province',
      'H18',
      '--period',
      '2025',
      '--as-of',
      '2026-01-15',
      '--dry-run',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Chạy thử (--dry-run): chưa lưu gì. Mọi tên đều khớp.');
    expect(r.stdout).toMatch(/Sở Y tế - tỉnh Điện Biên\s+khớp\s+Sở Y tế\s+H18\.01/);
    expect(r.stdout).toMatch(/So Tai chinh\s+khớp\s+Sở Tài chính/);
    expect(r.stdout).toMatch(/UBND xã Mường Phăng\s+khớp\s+Xã Mường Phăng/);
    expect(r.stdout).toMatch(/Sở Tư pháp\s+khớp\s+Sở Tư pháp\s+H18\.06\s+Cơ quan\s+chưa đánh giá/);
    expect(r.stdout).toMatch(/UBND tỉnh Điện Biên\s+khớp\s+UBND tỉnh Điện Biên\s+H18\s+Tỉnh\s+82\.45/);
    expect(await count('select count(*) as n from imports')).toBe(0);
  });

  it('an unknown name stops the import naming it, nothing stored', async () => {
    const bad = path.join(dir, 'bad.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Phụ lục I');
    ws.addRow(['STT', 'Tên đơn vị', 'CKMB (18đ)', 'TDGQ (20đ)', 'Tổng điểm (100đ)']);
    ws.addRow([1, 'Sở Y tế', 15, 18, 90]);
    ws.addRow([2, 'Sở Ngoại vụ - tỉnh Điện Biên', 14, 17, 80]);
    await wb.xlsx.writeFile(bad);
    const r = await cli(
      'import',
      '--file',
      bad,
      '--province',
      'H18',
      '--period',
      '2025',
      '--as-of',
      '2026-01-15',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--file: 1 name(s) could not be matched, nothing was stored: "Sở Ngoại vụ - tỉnh Điện Biên" (bad.xlsx!Phụ lục I, row 3) matches no known unit',
    );
    expect(r.stderr).toContain('--create-missing');
    expect(await count('select count(*) as n from imports')).toBe(0);
    expect(await count('select count(*) as n from scores where import_id is not null')).toBe(0);
  });

  it('stores the file as an imported day; the same file again changes nothing', async () => {
    const first = await cli(
      'import',
      '--file',
      FIXTURE,
      '--province',
      'H18',
      '--period',
      '2025',
      '--as-of',
      '2026-01-15',
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Đã lưu: ');
    const rows = await count('select count(*) as n from scores where import_id is not null');
    // 15 units (province, 6 agencies, 8 communes) × 7 groups
    expect(rows).toBe(15 * 7);
    expect(
      await count(
        `select count(*) as n from scores where import_id is not null and not ('imported' = any(flags))`,
      ),
    ).toBe(0);
    const sha = (await db.pool.query<{ s: string }>(`select files -> 0 ->> 'sha256' as s from imports`))
      .rows[0]!.s;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);

    const again = await cli(
      'import',
      '--file',
      FIXTURE,
      '--province',
      'H18',
      '--period',
      '2025',
      '--as-of',
      '2026-01-15',
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Tệp này đã được nhập');
    expect(await count('select count(*) as n from scores where import_id is not null')).toBe(rows);
    expect(await count('select count(*) as n from imports')).toBe(1);

    // the report of that day: 2025's figures, not evaluated is null (never 0), provenance imported
    const report = await buildProvinceReport(db.pool, config, {
      province: 'H18',
      date: '2026-01-15',
      periodType: 'year',
      fields: { province: '--province', date: '--date' },
    });
    expect(report.input.period).toEqual(Y2025);
    expect(report.table.province.total).toBe(82.45);
    expect(report.table.agencies[0]).toMatchObject({
      name: 'Sở Y tế',
      total: 92.01,
      classification: 'Xuất sắc',
    });
    expect(report.table.agencies[0]!.groups.TDGQ.score).toBe(19.81);
    const tuPhap = report.table.agencies.find((a) => a.name === 'Sở Tư pháp')!;
    expect(tuPhap.total).toBeNull();
    expect(GROUP_CODES.every((g) => tuPhap.groups[g].score === null)).toBe(true);
    expect(report.table.communes.map((c) => c.total)).toEqual([91.5, 84, 83.9, 77, 75.3, 68, 61, 55.5]);
    const office = await readOfficeReport(db.pool, config, {
      province: 'H18',
      date: '2026-01-15',
      periodType: 'year',
      fields: { province: '--province', date: '--date', compareWith: '--compare-with' },
    });
    expect(office.head).toMatchObject({
      provenance: 'imported',
      importSha256: sha,
      importFile: 'phu-luc-2025.csv',
    });

    // history shows the imported point, marked
    const h = await readUnitHistory(db.pool, {
      unitId: seeded.agencies[0]!.id,
      groups: ['TOTAL'],
      periodYear: 2025,
    });
    expect(h.items).toHaveLength(1);
    expect(h.items[0]).toMatchObject({ date: '2026-01-15', imported: true });
  });

  it('an imported day is never a day detect compares for falls', async () => {
    const pid = seeded.province.id;
    expect(await periodsOn(db.pool, pid, '2026-01-15', ['year'])).toEqual([]);
    const series = await loadSeries(db.pool, {
      provinceUnitId: pid,
      groups: ['TTTT', 'MDSH'],
      periods: [Y2025],
      upTo: '2026-12-31',
    });
    expect(series).toEqual([]);
    // while the captured 2026 days are there
    expect(await periodsOn(db.pool, pid, '2026-11-20', ['year'])).toEqual([
      { type: 'year', year: 2026, number: 0 },
    ]);
  });

  it('never overwrites a captured day', async () => {
    const r = await runImport(db.pool, {
      files: [FIXTURE],
      province: 'H18',
      period: { type: 'year', year: 2026, number: 0 },
      asOf: '2026-11-20',
    }).catch((e: Error) => e);
    expect(r).toBeInstanceOf(Error);
    expect((r as Error).message).toContain('--as-of: H18 already has captured 2026 scores on 2026-11-20');
    expect(await count('select count(*) as n from imports')).toBe(1);
  });

  it('then --compare-with last-year compares 2026 with the imported 2025', async () => {
    const now = await readOfficeReport(db.pool, config, {
      province: 'H18',
      date: '2026-11-20',
      periodType: 'year',
      compareWith: { kind: 'last-year' },
      fields: { province: '--province', date: '--date', compareWith: '--compare-with' },
    });
    const c = now.comparison!;
    expect(c.against).toMatchObject({ date: '2026-01-15', period: Y2025, provenance: 'imported' });
    expect(c.total.before).toBe(82.45);
    expect(c.total.delta).toBe(Math.round((now.province.total! - 82.45) * 100) / 100);
    expect(c.groups.find((g) => g.key === 'DVTT')!.before).toBe(17.35); // 10,1 + 7,25
    const text = comparisonSentences(now, c).join('\n');
    expect(text).toContain(
      'So với năm 2025 (số liệu ngày 19/11/2026'.replace('19/11/2026', '15/01/2026, nhập từ tệp'),
    );
    // Sở Tư pháp had no total in 2025: never counted as a classification change
    expect([...c.up, ...c.down].some((x) => x.name === 'Sở Tư pháp')).toBe(false);

    const cliOut = await cli('report', '--date', '2026-11-20', '--compare-with', 'last-year');
    expect(cliOut.code, cliOut.stderr).toBe(0);
    expect(cliOut.stdout).toContain('So với năm 2025 (số liệu ngày 15/01/2026, nhập từ tệp)');
  });

  it('reads back the XLSX the report writes (the round trip stores the same figures)', async () => {
    const office = await readOfficeReport(db.pool, config, {
      province: 'H18',
      date: '2026-11-19',
      periodType: 'year',
      fields: { province: '--province', date: '--date', compareWith: '--compare-with' },
    });
    const file = path.join(dir, 'round-trip.xlsx');
    await (await import('node:fs/promises')).writeFile(file, await renderXlsx(office));
    const r = await runImport(db.pool, {
      files: [file],
      province: 'H18',
      period: { type: 'year', year: 2024, number: 0 },
      asOf: '2025-01-10',
    });
    expect(r.outcome).toBe('stored');
    expect(r.notes.join('\n')).toContain(
      '"Dịch vụ trực tuyến" is CLGQ and TTTT added together and cannot be split',
    );
    const back = await buildProvinceReport(db.pool, config, {
      province: 'H18',
      date: '2025-01-10',
      periodType: 'year',
      fields: { province: '--province', date: '--date' },
    });
    const strip = (rows: typeof office.agencies) =>
      rows.map((u) => ({ name: u.name, total: u.total, groups: u.groups }));
    expect(strip(back.table.agencies)).toEqual(strip(office.agencies));
    expect(strip(back.table.communes)).toEqual(strip(office.communes));
    expect(back.table.province.total).toBe(office.province.total);
    expect(back.table.province.rank).toBe(office.province.rank);
  });
});
