/**
 * The office's appendix workbook (exceljs): a sheet for the province (I.1), Appendix I
 * (agencies) and Appendix II (communes), and, with a comparison, one for the changes.
 * Scores are real numbers shown with two decimals and the Vietnamese decimal comma (the
 * number format carries the Vietnamese locale, [$-42A]); a missing figure is an empty cell
 * (the legend under the table says so), never 0. Header rows are bold and frozen, widths
 * set, A4 landscape, and the source and date under every table.
 */
import ExcelJS from 'exceljs';
import { fmtDate } from '../detect/format-vi.js';
import { type AppendixColumn, type AppendixContext, appendixColumns, fmtMax, listMax } from './columns.js';
import type { OfficeReport } from './office-report.js';
import { NO_DATA, NOT_EVALUATED, periodText, sourceLine } from './office-text.js';
import type { UnitRow } from './province-table.js';

/** Two decimals with the Vietnamese comma (LCID 0x042A), whatever the reader's own locale. */
export const SCORE_FORMAT = '[$-42A]0.00';
export const DELTA_FORMAT = '[$-42A]+0.00;-0.00;0.00';
export const EMPTY_LEGEND = `Ô để trống: ${NO_DATA} (không phải 0).`;

export interface XlsxOptions {
  readonly extraColumns?: readonly AppendixColumn[];
  /** Fixed creation time (tests, reproducible files); default now. */
  readonly created?: Date;
}

const BOLD = { bold: true } as const;
const THIN = { style: 'thin' } as const;
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN };

function setupPage(ws: ExcelJS.Worksheet, headerRow: number): void {
  ws.pageSetup = {
    ...ws.pageSetup,
    paperSize: 9, // A4
    orientation: 'landscape',
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 0,
    printTitlesRow: `${headerRow}:${headerRow}`,
  };
  ws.views = [{ state: 'frozen', xSplit: 0, ySplit: headerRow }];
}

function title(ws: ExcelJS.Worksheet, text: string, span: number): void {
  const row = ws.addRow([text]);
  row.font = { bold: true, size: 13 };
  ws.mergeCells(row.number, 1, row.number, span);
}

function header(ws: ExcelJS.Worksheet, labels: readonly string[]): ExcelJS.Row {
  const row = ws.addRow([...labels]);
  row.font = BOLD;
  row.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
  row.height = 32;
  row.eachCell((c) => {
    c.border = BORDER;
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDE6F0' } };
  });
  return row;
}

function notes(ws: ExcelJS.Worksheet, lines: readonly string[]): void {
  ws.addRow([]);
  for (const l of lines) ws.addRow([l]).font = { italic: true, size: 10 };
}

function scoreCell(cell: ExcelJS.Cell, v: number | string | null, kind: AppendixColumn['kind']): void {
  cell.value = v;
  cell.border = BORDER;
  if (kind === 'score' && typeof v === 'number') {
    cell.numFmt = SCORE_FORMAT;
    cell.alignment = { horizontal: 'right' };
  } else if (kind === 'int') cell.alignment = { horizontal: 'center' };
}

function provinceSheet(wb: ExcelJS.Workbook, r: OfficeReport): void {
  const ws = wb.addWorksheet('I.1 Tỉnh');
  const c = r.comparison;
  const labels = ['STT', 'Nhóm chỉ số', 'Điểm tối đa', 'Điểm đạt', 'Tỷ lệ đạt (%)', 'Ghi chú'];
  if (c) labels.push(`Điểm ngày ${fmtDate(c.against.date)}`, 'Tăng (+) / giảm (−)');
  title(
    ws,
    `I.1. Kết quả của ${r.province.name}, ${periodText(r.head.period, r.head.periodType)} (ngày ${fmtDate(r.head.date)})`,
    labels.length,
  );
  const head = header(ws, labels);
  const widths = [6, 34, 12, 12, 13, 34, 16, 16];
  widths.slice(0, labels.length).forEach((w, i) => {
    ws.getColumn(i + 1).width = w;
  });
  const rows: { label: string; max: number; score: number | null; note: string | null; key: string }[] =
    r.summary.map((s) => ({
      key: s.key,
      label: `${s.label} (/${fmtMax(s.max)})`,
      max: s.max,
      score: s.score,
      note:
        s.parts.length > 1
          ? s.partScores
              .map(
                (p) =>
                  `${p.group} ${p.score === null ? NO_DATA : String(p.score.toFixed(2)).replace('.', ',')}/${fmtMax(p.max)}`,
              )
              .join(' + ')
          : s.score === null
            ? NO_DATA
            : null,
    }));
  rows.push({
    key: 'TOTAL',
    label: 'Tổng điểm (/100)',
    max: 100,
    score: r.province.total,
    note: r.province.total === null ? NO_DATA : null,
  });
  rows.forEach((row, i) => {
    const x = ws.addRow([]);
    const cells = [
      i < rows.length - 1 ? i + 1 : null,
      row.label,
      row.max,
      row.score,
      row.score === null || row.max === 0 ? null : Math.round((row.score / row.max) * 10000) / 100,
      row.note,
    ];
    cells.forEach((v, j) => {
      scoreCell(x.getCell(j + 1), v, j === 2 || j === 3 || j === 4 ? 'score' : j === 0 ? 'int' : 'text');
    });
    if (c) {
      const d = row.key === 'TOTAL' ? c.total : c.groups.find((g) => g.key === row.key);
      scoreCell(x.getCell(7), d?.before ?? null, 'score');
      scoreCell(x.getCell(8), d?.delta ?? null, 'score');
      if (typeof d?.delta === 'number') x.getCell(8).numFmt = DELTA_FORMAT;
    }
    if (row.key === 'TOTAL') x.font = BOLD;
  });
  const p = r.province;
  const extra: [string, string | number | null][] = [
    ['Xếp loại', p.total === null ? NO_DATA : (p.classification ?? NO_DATA)],
    ['Xếp hạng toàn quốc', p.rank === null ? NO_DATA : `${p.rank}/${p.rankOf ?? '?'}`],
  ];
  if (c) {
    extra.push([
      `Xếp hạng ngày ${fmtDate(c.against.date)}`,
      c.rankBefore === null ? NO_DATA : `${c.rankBefore}/${c.rankOf ?? '?'}`,
    ]);
  }
  for (const [k, v] of extra) {
    const x = ws.addRow([null, k, null, v]);
    x.getCell(2).font = BOLD;
    x.getCell(4).alignment = { horizontal: 'right' };
  }
  notes(ws, [sourceLine(r.head), EMPTY_LEGEND]);
  setupPage(ws, head.number);
}

function appendixSheet(
  wb: ExcelJS.Workbook,
  r: OfficeReport,
  name: string,
  heading: string,
  rows: readonly UnitRow[],
  cols: readonly AppendixColumn[],
  footnote: string | null,
): void {
  const ws = wb.addWorksheet(name);
  const ctx: AppendixContext = { report: r, max: listMax(rows) };
  title(ws, heading, cols.length);
  const head = header(
    ws,
    cols.map((c) => c.header(ctx)),
  );
  cols.forEach((c, i) => {
    ws.getColumn(i + 1).width = c.width;
  });
  rows.forEach((u, i) => {
    const x = ws.addRow([]);
    cols.forEach((c, j) => {
      scoreCell(x.getCell(j + 1), c.value(u, i, ctx), c.kind);
    });
    if (u.total === null) x.font = { italic: true, color: { argb: 'FF666666' } };
  });
  const lines = [sourceLine(r.head), EMPTY_LEGEND];
  if (footnote) lines.push(footnote);
  notes(ws, lines);
  setupPage(ws, head.number);
}

function changesSheet(wb: ExcelJS.Workbook, r: OfficeReport): void {
  const c = r.comparison;
  if (!c) return;
  const ws = wb.addWorksheet('So sánh');
  title(ws, `Đơn vị thay đổi xếp loại so với ngày ${fmtDate(c.against.date)}`, 5);
  const head = header(ws, ['STT', 'Tên đơn vị', 'Cấp', 'Xếp loại trước', 'Xếp loại nay', 'Chiều']);
  [6, 44, 14, 16, 16, 10].forEach((w, i) => {
    ws.getColumn(i + 1).width = w;
  });
  const all = [...c.up.map((x) => ({ ...x, dir: 'nâng' })), ...c.down.map((x) => ({ ...x, dir: 'giảm' }))];
  all.forEach((x, i) => {
    const row = ws.addRow([
      i + 1,
      x.name,
      x.kind === 'agencies' ? 'Cơ quan' : 'Xã, phường',
      x.from,
      x.to,
      x.dir,
    ]);
    row.eachCell((cell) => {
      cell.border = BORDER;
    });
  });
  if (all.length === 0) ws.addRow([null, 'Không có đơn vị nào thay đổi xếp loại.']);
  notes(ws, [sourceLine(r.head), sourceLine(c.against)]);
  setupPage(ws, head.number);
}

function notEvaluatedNote(rows: readonly UnitRow[]): string | null {
  const names = rows.filter((u) => u.total === null).map((u) => u.name);
  return names.length === 0
    ? null
    : `${NOT_EVALUATED} (không có hồ sơ phát sinh, không có tổng điểm): ${names.join('; ')}.`;
}

export function buildWorkbook(r: OfficeReport, opts: XlsxOptions = {}): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'dvc-index';
  wb.created = opts.created ?? new Date();
  wb.modified = wb.created;
  const cols = appendixColumns(opts.extraColumns);
  const when = `${periodText(r.head.period, r.head.periodType)} (ngày ${fmtDate(r.head.date)})`;
  provinceSheet(wb, r);
  appendixSheet(
    wb,
    r,
    'Phụ lục I - Cơ quan',
    `Phụ lục I. Kết quả của các cơ quan, đơn vị cấp tỉnh, ${when}`,
    r.agencies,
    cols,
    notEvaluatedNote(r.agencies),
  );
  appendixSheet(
    wb,
    r,
    'Phụ lục II - Xã, phường',
    `Phụ lục II. Kết quả của các xã, phường, ${when}`,
    r.communes,
    cols,
    notEvaluatedNote(r.communes),
  );
  changesSheet(wb, r);
  return wb;
}

export async function renderXlsx(r: OfficeReport, opts: XlsxOptions = {}): Promise<Buffer> {
  const data = await buildWorkbook(r, opts).xlsx.writeBuffer();
  return Buffer.from(data as ArrayBuffer);
}
