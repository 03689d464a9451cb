/**
 * Output formats shared by the CLI and the HTTP export: aligned text tables, JSON and CSV.
 * CSV follows RFC 4180; `bom: true` prefixes U+FEFF so Excel reads the UTF-8 Vietnamese
 * correctly. A `null` is an empty cell, never 0.
 *
 * Text from outside (the portal's names and messages) is made harmless per face: a table
 * cell shows control characters escaped (no terminal escape sequence gets through), JSON
 * escapes them too, and a CSV text cell that a spreadsheet would run as a formula (`=`, `+`,
 * `-`, `@`, tab, CR…) is prefixed with `'` (OWASP's advice) while numbers stay numbers.
 */
import { escapeControlChars } from '../text.js';

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string | number | null | undefined;
  readonly align?: 'left' | 'right';
}

function cellText(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'number' ? String(v) : v;
}

/** Display width, counting a base letter with its combining marks as one column. */
function width(s: string): number {
  return [...s.normalize('NFC')].length;
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], nullText = '–'): string {
  const cells = rows.map((r) =>
    columns.map((c) => {
      const v = c.value(r);
      return v === null || v === undefined ? nullText : escapeControlChars(cellText(v));
    }),
  );
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((row) => width(row[i] ?? ''))));
  const pad = (s: string, i: number) => {
    const w = widths[i] ?? 0;
    const fill = ' '.repeat(Math.max(0, w - width(s)));
    return columns[i]?.align === 'right' ? fill + s : s + fill;
  };
  const lines = [
    columns
      .map((c, i) => pad(c.header, i))
      .join('  ')
      .trimEnd(),
  ];
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells)
    lines.push(
      row
        .map((s, i) => pad(s, i))
        .join('  ')
        .trimEnd(),
    );
  return `${lines.join('\n')}\n`;
}

/** A plain decimal number as text ("-1.25", "70.33"): a spreadsheet reads it as a number, not a formula. */
const NUMBER_TEXT_RE = /^-?\d+(\.\d+)?$/;
/**
 * What a spreadsheet may start a formula with (OWASP "CSV injection"): = + - @, tab and CR,
 * their full-width forms (Excel in East-Asian locales), also after leading spaces or line breaks.
 */
const FORMULA_START_RE = /^[\s]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]/;

/** `'` before a text cell that would otherwise be a formula; numbers (and number-like text) unchanged. */
export function neutraliseFormula(v: string | number | null | undefined): string {
  if (typeof v === 'number') return cellText(v);
  const s = cellText(v);
  return !NUMBER_TEXT_RE.test(s) && FORMULA_START_RE.test(s) ? `'${s}` : s;
}

function csvField(v: string | number | null | undefined): string {
  const s = neutraliseFormula(v);
  // Quote whatever holds a separator, a quote, a line break or a neutralised formula.
  return /[",\r\n\t]/.test(s) || s.startsWith("'") ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  opts: { bom?: boolean } = {},
): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(c.value(r))).join(','));
  return `${opts.bom ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`;
}

/**
 * JSON for a terminal or a file, two-space indented, with the C1 controls and bidi marks
 * that JSON.stringify leaves raw written as \u escapes (the data is the same JSON).
 */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/** Scores print with two decimals (6.7 → "6.70"); null stays null. */
export function fmtScore(v: number | null | undefined): string | null {
  return v === null || v === undefined ? null : v.toFixed(2);
}
