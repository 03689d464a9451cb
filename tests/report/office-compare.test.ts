/**
 * `--compare-with`: deltas per group and total, the rank change and the units whose
 * classification changed, each checked against the two JSON reports; `previous` and
 * `last-year` find the stored period; the XLSX carries the comparison as numbers.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { fmtPoints } from '../../src/detect/format-vi.js';
import {
  parseCompareWith,
  previousPeriod,
  readOfficeReport,
  sameLastYear,
} from '../../src/query/office-report.js';
import { buildProvinceReport } from '../../src/query/province-report.js';
import { officeName, SUMMARY_ROWS, sumScores } from '../../src/report/office-report.js';
import { comparisonSentences } from '../../src/report/office-text.js';
import type { ProvinceTable } from '../../src/report/province-table.js';
import { renderXlsx } from '../../src/report/xlsx.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { seedDay, seedProvince } from './office-seed.js';

const config = loadConfig(testEnv({ PROVINCES: 'H18' }));
const fields = { province: '--province', date: '--date', compareWith: '--compare-with' };
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedProvince(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

async function table(date: string, periodType: 'year' | 'month' = 'year'): Promise<ProvinceTable> {
  return (
    await buildProvinceReport(db.pool, config, {
      province: 'H18',
      date,
      periodType,
      fields: { province: '--province', date: '--date' },
    })
  ).table;
}

const cents = (v: number) => Math.round(v * 100);

describe('--compare-with', { timeout: 60_000 }, () => {
  it('a date: deltas, rank change and classification changes, named', async () => {
    const now = await table('2026-11-20');
    const before = await table('2026-11-19');
    const r = await readOfficeReport(db.pool, config, {
      province: 'H18',
      date: '2026-11-20',
      periodType: 'year',
      compareWith: { kind: 'date', date: '2026-11-19' },
      fields,
    });
    const c = r.comparison!;
    expect(c.against.date).toBe('2026-11-19');
    expect(c.total.delta).toBe((cents(now.province.total!) - cents(before.province.total!)) / 100);
    for (const [i, row] of SUMMARY_ROWS.entries()) {
      const a = sumScores(row.parts.map((g) => now.province.groups[g].score))!;
      const b = sumScores(row.parts.map((g) => before.province.groups[g].score))!;
      expect(c.groups[i]).toMatchObject({
        key: row.key,
        before: b,
        after: a,
        delta: (cents(a) - cents(b)) / 100,
      });
    }
    expect([c.rankBefore, c.rankAfter, c.rankOf]).toEqual([14, 12, 34]);

    const bands = config.classBands.map((b) => b.label);
    const expectedUp: string[] = [];
    const expectedDown: string[] = [];
    for (const kind of ['agencies', 'communes'] as const) {
      for (const u of now[kind]) {
        const p = before[kind].find((x) => x.id === u.id)!;
        if (u.total === null || p.total === null || u.classification === p.classification) continue;
        const line = `${u.name} (${p.classification} → ${u.classification})`;
        if (bands.indexOf(u.classification!) < bands.indexOf(p.classification!)) expectedUp.push(line);
        else expectedDown.push(line);
      }
    }
    expect(expectedUp.length + expectedDown.length).toBeGreaterThan(0); // the seed changes some
    expect(c.up.map((x) => `${x.name} (${x.from} → ${x.to})`)).toEqual(expectedUp);
    expect(c.down.map((x) => `${x.name} (${x.from} → ${x.to})`)).toEqual(expectedDown);

    const text = comparisonSentences(r, c).join('\n');
    expect(text).toContain('thứ hạng tăng 2 bậc (từ 14 lên 12/34)');
    const d = c.total.delta!;
    expect(text).toContain(
      `tổng điểm ${d > 0 ? 'tăng' : 'giảm'} ${fmtPoints(Math.abs(d))} điểm (từ ${fmtPoints(before.province.total)} ${d > 0 ? 'lên' : 'xuống'} ${fmtPoints(now.province.total)})`,
    );
    if (expectedUp.length > 0) expect(text).toContain(`đơn vị nâng xếp loại: ${expectedUp.join('; ')}.`);
    if (expectedDown.length > 0) expect(text).toContain(`đơn vị giảm xếp loại: ${expectedDown.join('; ')}.`);

    // the XLSX: the earlier figure and the delta as numbers beside each row of I.1
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await renderXlsx(r)) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('I.1 Tỉnh')!;
    expect(ws.getRow(2).getCell(7).value).toBe('Điểm ngày 19/11/2026');
    c.groups.forEach((g, i) => {
      expect(ws.getRow(3 + i).getCell(7).value).toBe(g.before);
      expect(ws.getRow(3 + i).getCell(8).value).toBe(g.delta);
    });
    expect(ws.getRow(8).getCell(8).value).toBe(c.total.delta);
    expect(wb.getWorksheet('So sánh')!.getRow(3).getCell(2).value).toBe((c.up[0] ?? c.down[0])!.name);
  });

  it('previous and last-year find the stored period; nothing stored is refused naming the flag', async () => {
    expect(previousPeriod({ type: 'month', year: 2026, number: 1 })).toEqual({
      type: 'month',
      year: 2025,
      number: 12,
    });
    expect(previousPeriod({ type: 'quarter', year: 2026, number: 3 })).toEqual({
      type: 'quarter',
      year: 2026,
      number: 2,
    });
    expect(sameLastYear({ type: 'month', year: 2026, number: 11 })).toEqual({
      type: 'month',
      year: 2025,
      number: 11,
    });
    expect(parseCompareWith('Last-Year', 'x')).toEqual({ kind: 'last-year' });
    expect(() => parseCompareWith('2026-02-30', '--compare-with')).toThrow('--compare-with');

    await expect(
      readOfficeReport(db.pool, config, {
        province: 'H18',
        date: '2026-11-20',
        periodType: 'month',
        compareWith: { kind: 'previous' },
        fields,
      }),
    ).rejects.toThrow('--compare-with: nothing stored for H18 in the period 2026-M10');
    // store October (on two dates: the latest one is taken)
    await seedDay(db.pool, '2026-10-30', 1, { type: 'month', year: 2026, number: 10 }, 20);
    await seedDay(db.pool, '2026-10-31', 2, { type: 'month', year: 2026, number: 10 }, 18);
    const r = await readOfficeReport(db.pool, config, {
      province: 'H18',
      date: '2026-11-20',
      periodType: 'month',
      compareWith: { kind: 'previous' },
      fields,
    });
    expect(r.comparison?.against).toMatchObject({
      date: '2026-10-31',
      period: { type: 'month', year: 2026, number: 10 },
    });
    expect([r.comparison?.rankBefore, r.comparison?.rankAfter]).toEqual([18, 9]);
    const oct = await table('2026-10-31', 'month');
    expect(r.comparison?.total.before).toBe(oct.province.total);
  });
});

describe('names as the office writes them', () => {
  it('drops the portal’s " - tỉnh <the province>" suffix, nothing else', () => {
    expect(officeName('Sở Y tế - tỉnh Điện Biên', 'UBND tỉnh Điện Biên')).toBe('Sở Y tế');
    expect(officeName('Văn phòng UBND tỉnh - tỉnh Điện Biên', 'UBND tỉnh Điện Biên')).toBe(
      'Văn phòng UBND tỉnh',
    );
    expect(officeName('Sở Y tế - tỉnh Lai Châu', 'UBND tỉnh Điện Biên')).toBe('Sở Y tế - tỉnh Lai Châu');
    expect(officeName('UBND xã Mường Phăng', 'UBND tỉnh Điện Biên')).toBe('UBND xã Mường Phăng');
  });
});
