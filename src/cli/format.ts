/**
 * Output formats shared by the CLI and the HTTP export: aligned text tables, JSON and CSV.
 * CSV follows RFC 4180; `bom: true` prefixes U+FEFF so Excel reads the UTF-8 Vietnamese
 * correctly. A `null` is an empty cell, never 0.
 */

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
      return v === null || v === undefined ? nullText : cellText(v);
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

function csvField(v: string | number | null | undefined): string {
  const s = cellText(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
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

/** Scores print with two decimals (6.7 → "6.70"); null stays null. */
export function fmtScore(v: number | null | undefined): string | null {
  return v === null || v === undefined ? null : v.toFixed(2);
}
