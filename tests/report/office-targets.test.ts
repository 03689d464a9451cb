/**
 * Target marks in the office's report files (ALERT_TARGETS): the XLSX appendices read back
 * with exceljs and the DOCX's text carry one "So với chỉ tiêu <group>" column, "thiếu …" for
 * a unit below its target (a commune against the communes' own), "đạt" otherwise, empty for a
 * unit without a score; none for a month report or without targets.
 */
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { fmtPoints } from '../../src/detect/format-vi.js';
import { readOfficeReport } from '../../src/query/office-report.js';
import { renderDocx } from '../../src/report/docx.js';
import { targetColumns } from '../../src/report/target-columns.js';
import { renderXlsx } from '../../src/report/xlsx.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { seedProvince } from './office-seed.js';

const config = loadConfig(testEnv({ PROVINCES: 'H18', ALERT_TARGETS: 'TTTT:8,commune.TTTT:6.5' }));
const fields = { province: '--province', date: '--date', compareWith: '--compare-with' };
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedProvince(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

const office = (periodType: 'year' | 'month') =>
  readOfficeReport(db.pool, config, { province: 'H18', date: '2026-11-20', periodType, fields });

describe('target marks in the office report', () => {
  it('the XLSX appendices mark each unit against its own target', async () => {
    const r = await office('year');
    const extraColumns = targetColumns(config, r.head.period);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await renderXlsx(r, { extraColumns })) as unknown as ArrayBuffer);
    let below = 0;
    let met = 0;
    for (const [sheet, rows, target] of [
      ['Phụ lục I - Cơ quan', r.agencies, 8],
      ['Phụ lục II - Xã, phường', r.communes, 6.5],
    ] as const) {
      const ws = wb.getWorksheet(sheet)!;
      const head = ws.getRow(2).values as unknown[];
      const col = head.indexOf('So với chỉ tiêu TTTT');
      expect(col, sheet).toBeGreaterThan(0);
      rows.forEach((u, i) => {
        const cell = ws.getRow(3 + i).getCell(col).value;
        const score = u.groups.TTTT.score;
        if (score === null) expect(cell ?? null).toBeNull();
        else if (Math.round(score * 100) < Math.round(target * 100)) {
          below++;
          expect(cell).toBe(
            `thiếu ${fmtPoints((Math.round(target * 100) - Math.round(score * 100)) / 100)} (${fmtPoints(target)})`,
          );
        } else {
          met++;
          expect(cell).toBe(`đạt (${fmtPoints(target)})`);
        }
      });
    }
    // the seed has units on both sides of the targets
    expect(below).toBeGreaterThan(0);
    expect(met).toBeGreaterThan(0);
  });

  it('the DOCX appendices carry the same column', async () => {
    const r = await office('year');
    const buf = await renderDocx(r, { extraColumns: targetColumns(config, r.head.period) });
    const xml = (await (await JSZip.loadAsync(buf)).file('word/document.xml')?.async('string')) ?? '';
    expect(xml).toContain('So với chỉ tiêu TTTT');
    expect(xml).toMatch(/thiếu \d+,\d\d \(8,00\)|đạt \(8,00\)/);
  });

  it('no column for a month report or without targets', async () => {
    const m = await office('month');
    expect(targetColumns(config, m.head.period)).toEqual([]);
    const y = await office('year');
    expect(targetColumns(loadConfig(testEnv()), y.head.period)).toEqual([]);
  });
});
