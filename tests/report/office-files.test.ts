/**
 * The office's report files read back: the XLSX with exceljs (numbers are numbers, two
 * decimals with the Vietnamese comma format, bold frozen header with each group's maximum,
 * A4 landscape, the source line under each table) and the DOCX's XML (sentences, counts,
 * names, appendix order), every figure checked against the JSON report of the same day.
 */
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { fmtPoints } from '../../src/detect/format-vi.js';
import { GROUP_CODES, GROUP_MAX } from '../../src/domain.js';
import { readOfficeReport } from '../../src/query/office-report.js';
import { buildProvinceReport } from '../../src/query/province-report.js';
import { renderDocx } from '../../src/report/docx.js';
import { sumScores } from '../../src/report/office-report.js';
import type { ProvinceTable, UnitRow } from '../../src/report/province-table.js';
import { renderXlsx, SCORE_FORMAT } from '../../src/report/xlsx.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { NO_TTTT_COMMUNE, NOT_EVALUATED_AGENCY, seedProvince } from './office-seed.js';

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

async function jsonReport(date: string, periodType: 'year' | 'month' = 'year'): Promise<ProvinceTable> {
  const r = await buildProvinceReport(db.pool, config, {
    province: 'H18',
    date,
    periodType,
    fields: { province: '--province', date: '--date' },
  });
  // the JSON the CLI and API print, parsed back
  return JSON.parse(JSON.stringify(r.table)) as ProvinceTable;
}

async function docxText(buf: Buffer): Promise<{ document: string; footnotes: string }> {
  const zip = await JSZip.loadAsync(buf);
  const text = async (name: string) => {
    const xml = (await zip.file(name)?.async('string')) ?? '';
    // paragraphs become lines; runs are joined
    return xml
      .split(/<\/w:p>/)
      .map((p) => [...p.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join(''))
      .filter((l) => l.length > 0)
      .join('\n')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
  };
  return { document: await text('word/document.xml'), footnotes: await text('word/footnotes.xml') };
}

describe('XLSX', { timeout: 60_000 }, () => {
  it('holds the province, Appendix I and II as real numbers in the JSON report’s order', async () => {
    const json = await jsonReport('2026-11-20');
    const office = await readOfficeReport(db.pool, config, {
      province: 'H18',
      date: '2026-11-20',
      periodType: 'year',
      fields,
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await renderXlsx(office)) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'I.1 Tỉnh',
      'Phụ lục I - Cơ quan',
      'Phụ lục II - Xã, phường',
    ]);

    // I.1: the five rows, "Dịch vụ trực tuyến" = CLGQ + TTTT, then the total.
    const ws = wb.getWorksheet('I.1 Tỉnh')!;
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(ws.getRow(2).font?.bold).toBe(true);
    expect(ws.pageSetup.orientation).toBe('landscape');
    expect(ws.pageSetup.paperSize).toBe(9);
    const g = json.province.groups;
    const expected: [string, number, number | null][] = [
      ['Công khai, minh bạch (/18)', 18, g.CKMB.score],
      ['Tiến độ giải quyết (/20)', 20, g.TDGQ.score],
      ['Dịch vụ trực tuyến (/22)', 22, sumScores([g.CLGQ.score, g.TTTT.score])],
      ['Số hóa hồ sơ (/22)', 22, g.MDSH.score],
      ['Mức độ hài lòng (/18)', 18, g.MDHL.score],
      ['Tổng điểm (/100)', 100, json.province.total],
    ];
    expected.forEach(([label, max, score], i) => {
      const row = ws.getRow(3 + i);
      expect(row.getCell(2).value).toBe(label);
      expect(row.getCell(3).value).toBe(max);
      expect(typeof row.getCell(4).value).toBe('number');
      expect(row.getCell(4).value).toBe(score);
      expect(row.getCell(4).numFmt).toBe(SCORE_FORMAT);
    });
    expect(ws.getRow(3 + expected.length).getCell(4).value).toBe(json.province.classification);
    expect(ws.getRow(4 + expected.length).getCell(4).value).toBe(`${json.province.rank}/34`);
    const texts = (w: ExcelJS.Worksheet) =>
      w.getColumn(1).values.filter((v) => typeof v === 'string') as string[];
    expect(texts(ws)).toContain('Nguồn: Cổng Dịch vụ công quốc gia, năm 2026, số liệu ngày 20/11/2026.');

    // Appendices: one row per unit by total descending, every figure as in the JSON.
    for (const [name, units] of [
      ['Phụ lục I - Cơ quan', json.agencies],
      ['Phụ lục II - Xã, phường', json.communes],
    ] as const) {
      const a = wb.getWorksheet(name)!;
      expect(a.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
      const head = a.getRow(2);
      expect(head.font?.bold).toBe(true);
      expect(head.values).toEqual([
        undefined,
        'STT',
        'Tên đơn vị',
        ...GROUP_CODES.map((c) => `${c} (${GROUP_MAX[c]}đ)`),
        'Tổng điểm (100đ)',
        'Xếp loại',
      ]);
      expect(a.getColumn(2).width).toBe(44);
      expect(a.pageSetup.orientation).toBe('landscape');
      const totals = units.map((u) => u.total).filter((t): t is number => t !== null);
      expect(totals).toEqual([...totals].sort((x, y) => y - x));
      units.forEach((u: UnitRow, i) => {
        const row = a.getRow(3 + i);
        expect(row.getCell(1).value).toBe(i + 1);
        expect(row.getCell(2).value).toBe(u.name);
        GROUP_CODES.forEach((c, j) => {
          const cell = row.getCell(3 + j);
          expect(cell.value ?? null).toBe(u.groups[c].score);
          if (u.groups[c].score !== null) expect(cell.numFmt).toBe(SCORE_FORMAT);
        });
        expect(row.getCell(9).value ?? null).toBe(u.total);
        expect(row.getCell(10).value).toBe(u.total === null ? 'Chưa đánh giá' : u.classification);
      });
      expect(texts(a)).toContain('Nguồn: Cổng Dịch vụ công quốc gia, năm 2026, số liệu ngày 20/11/2026.');
      expect(texts(a)).toContain('Ô để trống: chưa có số liệu (không phải 0).');
    }
    // the unit without a total is last, with empty cells (not 0), named under the table
    const agencies = wb.getWorksheet('Phụ lục I - Cơ quan')!;
    const last = agencies.getRow(2 + json.agencies.length);
    expect(last.getCell(2).value).toBe(NOT_EVALUATED_AGENCY.name);
    expect(last.getCell(9).value).toBeNull();
    expect(
      texts(agencies).some((t) => t.includes('Chưa đánh giá') && t.includes(NOT_EVALUATED_AGENCY.name)),
    ).toBe(true);
    // a commune without TTTT: an empty cell, and I.1 of the province is unaffected
    const communes = wb.getWorksheet('Phụ lục II - Xã, phường')!;
    const idx = json.communes.findIndex((c) => c.id === NO_TTTT_COMMUNE.id);
    expect(communes.getRow(3 + idx).getCell(6).value).toBeNull();
  });
});

describe('DOCX', { timeout: 60_000 }, () => {
  it('says I.1, I.2 counts and names per classification, footnotes the unit not evaluated, lists the appendices', async () => {
    const json = await jsonReport('2026-11-20');
    const office = await readOfficeReport(db.pool, config, {
      province: 'H18',
      date: '2026-11-20',
      periodType: 'year',
      fields,
    });
    const { document, footnotes } = await docxText(await renderDocx(office));
    const p = json.province;
    expect(document).toContain(
      `Năm 2026 (số liệu ngày 20/11/2026), ${p.name} đạt ${fmtPoints(p.total)}/100 điểm, xếp loại ${p.classification}, xếp hạng ${p.rank}/34 tỉnh, thành phố`,
    );
    const dvtt = sumScores([p.groups.CLGQ.score, p.groups.TTTT.score]);
    expect(document).toContain(`Dịch vụ trực tuyến\n22\n${fmtPoints(dvtt)}`);

    // I.2: evaluated out of all, then per band the count with two digits and the names
    const evaluated = json.agencies.filter((a) => a.total !== null);
    expect(document).toContain(
      `Có ${String(evaluated.length).padStart(2, '0')}/${String(json.agencies.length).padStart(2, '0')} cơ quan được đánh giá.`,
    );
    for (const band of config.classBands) {
      const names = evaluated.filter((a) => a.classification === band.label).map((a) => a.name);
      expect(document).toContain(
        names.length === 0
          ? `Không có cơ quan xếp loại ${band.label}.`
          : `${String(names.length).padStart(2, '0')} cơ quan xếp loại ${band.label}: ${names.join('; ')}.`,
      );
    }
    const communeNames = json.communes.filter((c) => c.total !== null);
    expect(document).toContain(
      `Có ${String(communeNames.length).padStart(2, '0')}/${String(json.communes.length).padStart(2, '0')} xã, phường được đánh giá.`,
    );
    expect(footnotes).toContain(
      `01 cơ quan chưa được đánh giá (không có hồ sơ phát sinh, không có tổng điểm): ${NOT_EVALUATED_AGENCY.name}.`,
    );

    // Appendices: each unit's row in order, decimals with a comma, "–" where no figure
    const lines = document.split('\n');
    for (const units of [json.agencies, json.communes]) {
      let at = lines.indexOf(
        'Xếp loại',
        lines.findIndex((l) => l.startsWith(units === json.agencies ? 'Phụ lục I.' : 'Phụ lục II.')),
      );
      for (const [i, u] of units.entries()) {
        const start = lines.indexOf(String(i + 1), at + 1);
        expect(start).toBeGreaterThan(at);
        expect(lines.slice(start, start + 10)).toEqual([
          String(i + 1),
          u.name,
          ...GROUP_CODES.map((c) => (u.groups[c].score === null ? '–' : fmtPoints(u.groups[c].score))),
          u.total === null ? '–' : fmtPoints(u.total),
          u.total === null ? 'Chưa đánh giá' : (u.classification as string),
        ]);
        at = start + 9;
      }
    }
    expect(document).not.toMatch(/\d\.\d\d/); // no decimal point anywhere, only commas
  });

  it('a month report names its month', async () => {
    const office = await readOfficeReport(db.pool, config, {
      province: 'H18',
      date: '2026-11-20',
      periodType: 'month',
      fields,
    });
    const { document } = await docxText(await renderDocx(office));
    expect(document).toContain('Tháng 11/2026 (số liệu ngày 20/11/2026)');
    expect(document).toContain(`xếp hạng 9/34`);
  });
});
