/**
 * Read the office's appendix tables (the layout of the report's Appendix I and II: STT,
 * name, CKMB (18đ), TDGQ (20đ), CLGQ (12đ), TTTT (10đ), MDSH (22đ), MDHL (18đ), total
 * (100đ), classification) and the province, either as a line "UBND tỉnh …" in such a table
 * or as the I.1 table (groups as rows: "Nhóm chỉ số" / "Điểm đạt"). Headers are recognised
 * by their words, accents and case aside; numbers may be real numbers or text with a
 * decimal comma ("19,81"); an empty cell or "–" is no figure (null), never 0. A value that
 * is not a score, or above the column's maximum, stops the import naming the cell.
 */
import { GROUP_MAX, type ScoreGroup, searchKey } from '../domain.js';
import { InputError } from '../errors.js';
import type { Cell, Sheet } from './read-table.js';

export interface ImportedRow {
  /** Where it was read: "file.xlsx!Phụ lục I, row 7". */
  readonly where: string;
  readonly name: string;
  /** Only the groups the table has a column (or row) for; null = the cell was empty. */
  readonly scores: Partial<Record<ScoreGroup, number | null>>;
  readonly max: Partial<Record<ScoreGroup, number>>;
  /** The classification as the file wrote it (for the match table; recomputed in reports). */
  readonly classification: string | null;
  readonly rank?: number | null;
  readonly rankOf?: number | null;
  /** A province row: "UBND tỉnh …" in an appendix, or the I.1 table. */
  readonly province: boolean;
}

export interface ParsedFile {
  readonly rows: readonly ImportedRow[];
  /** What the reader noticed and did not store (e.g. a combined "Dịch vụ trực tuyến" row). */
  readonly notes: readonly string[];
}

type ColumnRole = ScoreGroup | 'name' | 'stt' | 'class' | 'rank';

/** The role of a header cell by its words. */
export function headerRole(text: string): ColumnRole | null {
  const k = searchKey(text);
  if (k === '') return null;
  if (/^(stt|tt|so tt|so thu tu)\b/.test(k)) return 'stt';
  if (k.includes('xep loai')) return 'class';
  if (/\b(xep hang|thu hang)\b/.test(k) || k === 'hang') return 'rank';
  if (/\bckmb\b/.test(k) || k.includes('cong khai')) return 'CKMB';
  if (/\btdgq\b/.test(k) || k.includes('tien do')) return 'TDGQ';
  if (/\bclgq\b/.test(k) || k.includes('dich vu cong truc tuyen') || k.includes('chat luong giai quyet'))
    return 'CLGQ';
  if (/\btttt\b/.test(k) || k.includes('thanh toan')) return 'TTTT';
  if (/\bmdsh\b/.test(k) || k.includes('so hoa')) return 'MDSH';
  if (/\bmdhl\b/.test(k) || k.includes('hai long')) return 'MDHL';
  if (k.startsWith('tong')) return 'TOTAL';
  if (/\b(ten|don vi|co quan|xa, phuong|dia phuong)\b/.test(k)) return 'name';
  return null;
}

/** The maximum written in a header: "CKMB (18đ)", "Tổng điểm (100 điểm)", "TTTT/10". */
function headerMax(text: string): number | null {
  const m = /[(/]\s*(\d+(?:[.,]\d+)?)\s*(?:đ|điểm|d|diem)?\s*\)?\s*$/i.exec(text.trim());
  return m ? Number(m[1]!.replace(',', '.')) : null;
}

const NO_FIGURE = new Set([
  '',
  '-',
  '–',
  '—',
  'x',
  'k',
  'chua danh gia',
  'chua co so lieu',
  'khong danh gia',
  'n/a',
]);

/** A score cell: a number, a text with a decimal comma, or nothing. */
export function parseScore(cell: Cell, where: string, max: number): number | null {
  if (cell === null) return null;
  let n: number;
  if (typeof cell === 'number') n = cell;
  else {
    const t = cell.trim();
    if (NO_FIGURE.has(searchKey(t))) return null;
    let s = t.replace(/\s/g, '');
    if (s.includes(',') && s.includes('.')) s = s.replace(/\./g, '').replace(',', '.');
    else s = s.replace(',', '.');
    if (!/^[+]?\d+(\.\d+)?$/.test(s)) {
      throw new InputError(
        '--file',
        `${where}: "${t}" is not a score; write a number like 19,81 or leave it empty`,
      );
    }
    n = Number(s);
  }
  if (!Number.isFinite(n) || n < 0 || n > max + 1e-9) {
    throw new InputError('--file', `${where}: ${n} is outside 0–${max}; correct the cell`);
  }
  return Math.round(n * 100) / 100;
}

function text(cell: Cell | undefined): string {
  return cell === null || cell === undefined ? '' : String(cell).trim();
}

function isSerial(cell: Cell | undefined): boolean {
  if (typeof cell === 'number') return Number.isInteger(cell) && cell > 0;
  return typeof cell === 'string' && /^\s*\d+\s*\.?\s*$/.test(cell);
}

/** A name that is the province itself: "UBND tỉnh Điện Biên", "Tỉnh Điện Biên". */
export function isProvinceName(name: string): boolean {
  return /^((ubnd|uy ban nhan dan)\s+)?tinh\s+\S/.test(searchKey(name));
}

interface Header {
  readonly row: number;
  readonly roles: Map<number, ColumnRole>;
  readonly max: Partial<Record<ScoreGroup, number>>;
}

function findAppendixHeader(rows: readonly (readonly Cell[])[], from: number): Header | null {
  for (let i = from; i < rows.length; i++) {
    const roles = new Map<number, ColumnRole>();
    const max: Partial<Record<ScoreGroup, number>> = {};
    (rows[i] ?? []).forEach((c, j) => {
      const t = text(c);
      const role = headerRole(t);
      if (role && ![...roles.values()].includes(role)) {
        roles.set(j, role);
        if (role !== 'name' && role !== 'stt' && role !== 'class' && role !== 'rank') {
          max[role] = headerMax(t) ?? (role === 'TOTAL' ? 100 : GROUP_MAX[role]);
        }
      }
    });
    const groups = [...roles.values()].filter(
      (r) => r !== 'name' && r !== 'stt' && r !== 'class' && r !== 'rank',
    );
    if ([...roles.values()].includes('stt') && groups.length >= 2) {
      if (![...roles.values()].includes('name')) {
        // the name is the column after STT when its header says something else
        const stt = [...roles.entries()].find(([, r]) => r === 'stt')![0];
        if (!roles.has(stt + 1)) roles.set(stt + 1, 'name');
      }
      return { row: i, roles, max };
    }
  }
  return null;
}

const I1_LABELS: readonly [RegExp, ScoreGroup | 'DVTT' | 'rank' | 'class'][] = [
  [/^cong khai/, 'CKMB'],
  [/^tien do/, 'TDGQ'],
  [/^dich vu cong truc tuyen|^chat luong giai quyet/, 'CLGQ'],
  [/^thanh toan/, 'TTTT'],
  [/^dich vu truc tuyen/, 'DVTT'],
  [/^so hoa/, 'MDSH'],
  [/^(muc do )?hai long/, 'MDHL'],
  [/^tong/, 'TOTAL'],
  [/^xep hang|^thu hang/, 'rank'],
  [/^xep loai/, 'class'],
];

/** The I.1 table: a header with "Nhóm chỉ số" (or "Tiêu chí") and "Điểm đạt". */
function readI1(sheet: Sheet, notes: string[]): ImportedRow | null {
  const rows = sheet.rows;
  for (let i = 0; i < rows.length; i++) {
    const keys = (rows[i] ?? []).map((c) => searchKey(text(c)));
    const labelCol = keys.findIndex(
      (k) => k.startsWith('nhom chi so') || k.startsWith('tieu chi') || k === 'noi dung',
    );
    const valueCol = keys.findIndex((k) => k.startsWith('diem dat') || k === 'ket qua' || k === 'diem');
    if (labelCol < 0 || valueCol < 0) continue;
    const maxCol = keys.findIndex((k) => k.startsWith('diem toi da'));
    const scores: Partial<Record<ScoreGroup, number | null>> = {};
    const max: Partial<Record<ScoreGroup, number>> = {};
    let rank: number | null = null;
    let rankOf: number | null = null;
    let classification: string | null = null;
    for (let r = i + 1; r < rows.length; r++) {
      const label = searchKey(text(rows[r]?.[labelCol]));
      if (label === '') continue;
      const hit = I1_LABELS.find(([re]) => re.test(label));
      if (!hit) continue;
      const where = `${sheet.name}, row ${r + 1}`;
      const cell = rows[r]?.[valueCol] ?? null;
      const role = hit[1];
      if (role === 'rank') {
        const m = /^(\d+)\s*\/\s*(\d+)$/.exec(text(cell));
        if (m) [rank, rankOf] = [Number(m[1]), Number(m[2])];
        else if (isSerial(cell)) rank = Number(text(cell));
      } else if (role === 'class') {
        classification = text(cell) || null;
      } else if (role === 'DVTT') {
        notes.push(
          `${where}: "Dịch vụ trực tuyến" is CLGQ and TTTT added together and cannot be split; not stored (give CLGQ and TTTT as their own rows to keep them)`,
        );
      } else {
        const m = maxCol >= 0 ? rows[r]?.[maxCol] : null;
        const mx = typeof m === 'number' ? m : role === 'TOTAL' ? 100 : GROUP_MAX[role];
        max[role] = mx;
        scores[role] = parseScore(cell, `${where} (${text(rows[r]?.[labelCol])})`, mx);
      }
    }
    if (Object.keys(scores).length === 0) return null;
    return {
      where: `${sheet.name}, row ${i + 1}`,
      name: '',
      scores,
      max,
      classification,
      rank,
      rankOf,
      province: true,
    };
  }
  return null;
}

/** Every unit row (and the province) of the given sheets. */
export function parseAppendixSheets(sheets: readonly Sheet[]): ParsedFile {
  const out: ImportedRow[] = [];
  const notes: string[] = [];
  for (const sheet of sheets) {
    const rows = sheet.rows;
    let found = false;
    let at = 0;
    for (;;) {
      const header = findAppendixHeader(rows, at);
      if (!header) break;
      found = true;
      let r = header.row + 1;
      for (; r < rows.length; r++) {
        const row = rows[r] ?? [];
        // a new header (a second table on the same sheet) ends this one
        if (findAppendixHeader([row], 0)) break;
        const get = (role: ColumnRole) => {
          const col = [...header.roles.entries()].find(([, x]) => x === role)?.[0];
          return col === undefined ? undefined : row[col];
        };
        const name = text(get('name'));
        if (name === '') continue;
        const province = isProvinceName(name);
        if (!isSerial(get('stt')) && !province) continue; // headings, notes, source lines
        const where = `${sheet.name}, row ${r + 1}`;
        const scores: Partial<Record<ScoreGroup, number | null>> = {};
        for (const [col, role] of header.roles) {
          if (role === 'name' || role === 'stt' || role === 'class' || role === 'rank') continue;
          scores[role] = parseScore(
            row[col] ?? null,
            `${where} (${text(rows[header.row]?.[col])})`,
            header.max[role]!,
          );
        }
        const rankCell = get('rank');
        const m = /^(\d+)\s*\/\s*(\d+)$/.exec(text(rankCell));
        out.push({
          where,
          name: name.normalize('NFC'),
          scores,
          max: header.max,
          classification: text(get('class')) || null,
          rank: m ? Number(m[1]) : null,
          rankOf: m ? Number(m[2]) : null,
          province,
        });
      }
      at = r;
    }
    if (!found) {
      const i1 = readI1(sheet, notes);
      if (i1) out.push(i1);
    }
  }
  return { rows: out, notes };
}
