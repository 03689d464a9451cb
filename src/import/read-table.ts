/**
 * The office's own tables as rows of cells: an .xlsx (every sheet, exceljs) or a .csv
 * (UTF-8, with or without BOM; `,` or `;` between fields, quotes as Excel writes them). A
 * cell is a number, a text or null; a formula cell gives its cached result.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import ExcelJS from 'exceljs';
import { InputError } from '../errors.js';

export type Cell = number | string | null;

export interface Sheet {
  /** "file.xlsx!Phụ lục I" or "file.csv": how an error names where it looked. */
  readonly name: string;
  /** rows[i][j] is row i+1, column j+1. */
  readonly rows: readonly (readonly Cell[])[];
}

export interface TableFile {
  readonly name: string;
  readonly bytes: Buffer;
  readonly sheets: readonly Sheet[];
}

function cellValue(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('result' in v) return cellValue((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('richText' in v) return (v as ExcelJS.CellRichTextValue).richText.map((r) => r.text).join('');
    if ('text' in v) return String((v as ExcelJS.CellHyperlinkValue).text);
  }
  return null;
}

/** Split CSV text into rows of fields (RFC 4180 quoting). */
export function parseCsv(text: string): string[][] {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  const sep = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === sep) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export async function readTableFile(path: string, field = '--file'): Promise<TableFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new InputError(
      field,
      `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'}); give an existing .xlsx or .csv file`,
    );
  }
  const name = basename(path);
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') {
    const text = bytes.toString('utf8');
    if (text.includes('\uFFFD'))
      throw new InputError(field, `${name} is not UTF-8 text; save it as "CSV UTF-8"`);
    const rows = parseCsv(text).map((r) => r.map((c): Cell => (c.trim() === '' ? null : c)));
    return { name, bytes, sheets: [{ name, rows }] };
  }
  if (ext !== '.xlsx') throw new InputError(field, `${name}: only .xlsx and .csv files can be imported`);
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (e) {
    throw new InputError(field, `${name} is not a readable .xlsx file (${(e as Error).message})`);
  }
  const sheets: Sheet[] = wb.worksheets.map((ws) => {
    const rows: Cell[][] = [];
    ws.eachRow({ includeEmpty: true }, (row, n) => {
      const cells: Cell[] = [];
      row.eachCell({ includeEmpty: true }, (c, col) => {
        cells[col - 1] = cellValue(c.value);
      });
      rows[n - 1] = Array.from(cells, (c) => c ?? null);
    });
    return { name: `${name}!${ws.name}`, rows: Array.from(rows, (r) => r ?? []) };
  });
  return { name, bytes, sheets };
}
