/**
 * The data part of the office's report as a Word document (the `docx` package), in
 * Vietnamese, to paste into the office's template: I.1 (table and sentence), I.2 (counts and
 * names per classification, the units not evaluated in a footnote), the comparison
 * paragraph, then Appendix I and II as tables. A4 landscape. A missing figure is "–" with the
 * legend under the table, never 0.
 */
import {
  AlignmentType,
  Document,
  FootnoteReferenceRun,
  HeadingLevel,
  Packer,
  PageOrientation,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { fmtDate, fmtPoints } from '../detect/format-vi.js';
import { type AppendixColumn, type AppendixContext, appendixColumns, fmtMax, listMax } from './columns.js';
import type { OfficeReport } from './office-report.js';
import {
  comparisonSentences,
  deltaCell,
  NO_DATA,
  periodText,
  provinceSentence,
  sectionSentences,
  sourceLine,
} from './office-text.js';
import type { UnitRow } from './province-table.js';

export interface DocxOptions {
  readonly extraColumns?: readonly AppendixColumn[];
}

const FONT = 'Times New Roman';
const DASH = '–';

function p(text: string, opts: { bold?: boolean; italics?: boolean; size?: number } = {}): Paragraph {
  return new Paragraph({ children: [new TextRun({ text, ...opts })], spacing: { after: 80 } });
}

function cell(text: string, opts: { bold?: boolean; right?: boolean; width?: number } = {}): TableCell {
  return new TableCell({
    children: [
      new Paragraph({
        alignment: opts.right ? AlignmentType.RIGHT : AlignmentType.LEFT,
        children: [new TextRun({ text, bold: opts.bold, size: 20 })],
      }),
    ],
    ...(opts.width ? { width: { size: opts.width, type: WidthType.PERCENTAGE } } : {}),
  });
}

function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: readonly boolean[],
): Table {
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: headers.map((h) => cell(h, { bold: true })) }),
      ...rows.map(
        (r) => new TableRow({ children: r.map((v, i) => cell(v, { right: numeric[i] ?? false })) }),
      ),
    ],
  });
}

function scoreText(v: number | null): string {
  return v === null ? DASH : fmtPoints(v);
}

function provinceTable(r: OfficeReport): Table {
  const c = r.comparison;
  const headers = ['STT', 'Nhóm chỉ số', 'Điểm tối đa', 'Điểm đạt'];
  if (c) headers.push(`Ngày ${fmtDate(c.against.date)}`, 'Tăng/giảm');
  const rows = r.summary.map((s, i) => {
    const row = [String(i + 1), s.label, fmtMax(s.max), scoreText(s.score)];
    if (c) {
      const d = c.groups.find((g) => g.key === s.key);
      row.push(scoreText(d?.before ?? null), deltaCell(d?.delta ?? null));
    }
    return row;
  });
  const total = ['', 'Tổng điểm', '100', scoreText(r.province.total)];
  if (c) total.push(scoreText(c.total.before), deltaCell(c.total.delta));
  rows.push(total);
  const p0 = r.province;
  const cls = ['', 'Xếp loại', '', p0.total === null ? NO_DATA : (p0.classification ?? NO_DATA)];
  if (c) cls.push(c.classBefore ?? NO_DATA, '');
  rows.push(cls);
  const rank = ['', 'Xếp hạng toàn quốc', '', p0.rank === null ? NO_DATA : `${p0.rank}/${p0.rankOf ?? '?'}`];
  if (c) rank.push(c.rankBefore === null ? NO_DATA : `${c.rankBefore}/${c.rankOf ?? '?'}`, '');
  rows.push(rank);
  return table(headers, rows, [false, false, true, true, true, true]);
}

function appendixTable(r: OfficeReport, rows: readonly UnitRow[], cols: readonly AppendixColumn[]): Table {
  const ctx: AppendixContext = { report: r, max: listMax(rows) };
  return table(
    cols.map((c) => c.header(ctx)),
    rows.map((u, i) =>
      cols.map((c) => {
        const v = c.value(u, i, ctx);
        if (v === null) return DASH;
        return typeof v === 'number' ? (c.kind === 'score' ? fmtPoints(v) : String(v)) : v;
      }),
    ),
    cols.map((c) => c.kind !== 'text'),
  );
}

export function buildDocument(r: OfficeReport, opts: DocxOptions = {}): Document {
  const cols = appendixColumns(opts.extraColumns);
  const when = `${periodText(r.head.period, r.head.periodType)} (số liệu ngày ${fmtDate(r.head.date)})`;
  const footnotes: Record<number, { children: Paragraph[] }> = {};
  const body: (Paragraph | Table)[] = [];
  body.push(
    new Paragraph({
      heading: HeadingLevel.HEADING_1,
      children: [new TextRun({ text: `Kết quả Bộ chỉ số phục vụ người dân, doanh nghiệp – ${when}` })],
    }),
  );
  body.push(
    new Paragraph({ heading: HeadingLevel.HEADING_2, children: [new TextRun(`I.1. ${r.province.name}`)] }),
  );
  body.push(p(provinceSentence(r)));
  body.push(provinceTable(r));
  body.push(p(sourceLine(r.head), { italics: true, size: 18 }));

  body.push(
    new Paragraph({
      heading: HeadingLevel.HEADING_2,
      children: [new TextRun('I.2. Các cơ quan, đơn vị cấp tỉnh và các xã, phường')],
    }),
  );
  let note = 0;
  for (const [label, s] of [
    ['Cơ quan, đơn vị cấp tỉnh', r.sections.agencies],
    ['Xã, phường', r.sections.communes],
  ] as const) {
    const t = sectionSentences(s);
    const children: (TextRun | FootnoteReferenceRun)[] = [
      new TextRun({ text: `${label}: `, bold: true }),
      new TextRun(t.evaluated),
    ];
    if (t.footnote) {
      note += 1;
      footnotes[note] = { children: [new Paragraph(t.footnote)] };
      children.push(new FootnoteReferenceRun(note));
    }
    body.push(new Paragraph({ children, spacing: { after: 80 } }));
    for (const line of t.classes)
      body.push(new Paragraph({ children: [new TextRun(`– ${line}`)], indent: { left: 360 } }));
  }

  if (r.comparison) {
    body.push(new Paragraph({ heading: HeadingLevel.HEADING_2, children: [new TextRun('So sánh')] }));
    for (const line of comparisonSentences(r, r.comparison)) body.push(p(line));
  }

  const appendix = (heading: string, rows: readonly UnitRow[]) => {
    body.push(
      new Paragraph({
        heading: HeadingLevel.HEADING_2,
        pageBreakBefore: true,
        children: [new TextRun(heading)],
      }),
    );
    body.push(appendixTable(r, rows, cols));
    body.push(p(sourceLine(r.head), { italics: true, size: 18 }));
    body.push(p(`Dấu "${DASH}": ${NO_DATA} (không phải 0).`, { italics: true, size: 18 }));
  };
  appendix(`Phụ lục I. Kết quả của các cơ quan, đơn vị cấp tỉnh – ${when}`, r.agencies);
  appendix(`Phụ lục II. Kết quả của các xã, phường – ${when}`, r.communes);

  return new Document({
    creator: 'dvc-index',
    title: `Báo cáo Bộ chỉ số – ${r.province.name} – ${when}`,
    styles: { default: { document: { run: { font: FONT, size: 24 } } } },
    footnotes,
    sections: [
      {
        properties: {
          page: {
            size: { orientation: PageOrientation.LANDSCAPE, width: 11906, height: 16838 },
            margin: { top: 1000, bottom: 1000, left: 1000, right: 1000 },
          },
        },
        children: body,
      },
    ],
  });
}

export async function renderDocx(r: OfficeReport, opts: DocxOptions = {}): Promise<Buffer> {
  return Packer.toBuffer(buildDocument(r, opts));
}
