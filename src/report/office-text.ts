/**
 * The Vietnamese sentences of the office's report, shared by the DOCX, the XLSX notes and
 * the CLI's text output: numbers with a decimal comma (85,40), dates dd/mm/yyyy, counts with
 * two digits ("05 cơ quan"), a missing figure said in words, never 0.
 */
import { fmtDate, fmtDelta, fmtPoints } from '../detect/format-vi.js';
import type { Period, PeriodType } from '../domain.js';
import type { Comparison, GroupDelta, OfficeReport, OfficeReportHead, UnitSection } from './office-report.js';

export const NO_DATA = 'chưa có số liệu';
export const NOT_EVALUATED = 'Chưa đánh giá';
export const SOURCE_NAME = 'Cổng Dịch vụ công quốc gia';

const ROMAN = ['', 'I', 'II', 'III', 'IV'];

/** "năm 2026", "quý IV/2026", "tháng 11/2026". */
export function periodText(period: Period | null, type: PeriodType): string {
  if (period === null) return type === 'year' ? 'năm' : type === 'quarter' ? 'quý' : 'tháng';
  if (period.type === 'year') return `năm ${period.year}`;
  if (period.type === 'quarter') return `quý ${ROMAN[period.number]}/${period.year}`;
  return `tháng ${String(period.number).padStart(2, '0')}/${period.year}`;
}

/** The source line under each table. */
export function sourceLine(head: OfficeReportHead): string {
  const when = `${periodText(head.period, head.periodType)}, số liệu ngày ${fmtDate(head.date)}`;
  if (head.provenance === 'imported') {
    const file = head.importFile ? ` "${head.importFile}"` : '';
    const sha = head.importSha256 ? ` (SHA-256 ${head.importSha256.slice(0, 16)}…)` : '';
    return `Nguồn: số liệu nhập từ tệp của cơ quan${file}${sha}, ${when}.`;
  }
  return `Nguồn: ${SOURCE_NAME}, ${when}.`;
}

/** 5 → "05" (the office writes counts under ten with two digits). */
export function count2(n: number): string {
  return String(n).padStart(2, '0');
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The sentence under I.1. */
export function provinceSentence(r: OfficeReport): string {
  const p = r.province;
  const when = `${capitalize(periodText(r.head.period, r.head.periodType))} (số liệu ngày ${fmtDate(r.head.date)})`;
  const total = p.total === null ? `chưa có tổng điểm (${NO_DATA})` : `đạt ${fmtPoints(p.total)}/100 điểm`;
  const cls = p.total === null || p.classification === null ? '' : `, xếp loại ${p.classification}`;
  const rank =
    p.rank === null
      ? ', chưa có thứ hạng toàn quốc'
      : `, xếp hạng ${p.rank}/${p.rankOf ?? '?'} tỉnh, thành phố`;
  const weak = r.summary
    .filter((s) => s.score !== null && s.max > 0)
    .map((s) => ({ s, ratio: (s.score as number) / s.max }))
    .sort((a, b) => a.ratio - b.ratio)[0];
  const weakText = weak
    ? `. Nhóm đạt tỷ lệ thấp nhất: ${weak.s.label} (${fmtPoints(weak.s.score)}/${fmtPoints(weak.s.max)} điểm)`
    : '';
  const missing = r.summary.filter((s) => s.score === null).map((s) => s.label);
  const missingText = missing.length > 0 ? `. ${capitalize(NO_DATA)}: ${missing.join('; ')}` : '';
  return `${when}, ${p.name} ${total}${cls}${rank}${weakText}${missingText}.`;
}

/** I.2 for one list: the evaluated count, then per band "05 cơ quan xếp loại Xuất sắc: A; B". */
export function sectionSentences(s: UnitSection): {
  evaluated: string;
  classes: string[];
  footnote: string | null;
} {
  const evaluated = `Có ${count2(s.evaluated)}/${count2(s.count)} ${s.noun} được đánh giá.`;
  const classes = s.byClass.map((c) =>
    c.names.length === 0
      ? `Không có ${s.noun} xếp loại ${c.label}.`
      : `${count2(c.names.length)} ${s.noun} xếp loại ${c.label}: ${c.names.join('; ')}.`,
  );
  const footnote =
    s.notEvaluated.length === 0
      ? null
      : `${count2(s.notEvaluated.length)} ${s.noun} chưa được đánh giá (không có hồ sơ phát sinh, không có tổng điểm): ${s.notEvaluated.join('; ')}.`;
  return { evaluated, classes, footnote };
}

function deltaWords(d: GroupDelta): string {
  if (d.delta === null) return `${d.label}: ${NO_DATA} để so sánh`;
  if (d.delta === 0) return `${d.label} giữ nguyên ${fmtPoints(d.after)} điểm`;
  const dir = d.delta > 0 ? 'tăng' : 'giảm';
  const to = d.delta > 0 ? 'lên' : 'xuống';
  return `${d.label} ${dir} ${fmtPoints(Math.abs(d.delta))} điểm (từ ${fmtPoints(d.before)} ${to} ${fmtPoints(d.after)})`;
}

/** "+1,20" / "−0,50" / "–" for a delta cell. */
export function deltaCell(d: number | null): string {
  return d === null ? '–' : fmtDelta(d);
}

/** The comparison paragraph(s). */
export function comparisonSentences(r: OfficeReport, c: Comparison): string[] {
  const a = c.against;
  const against = `So với ${periodText(a.period, a.periodType)} (số liệu ngày ${fmtDate(a.date)}${a.provenance === 'imported' ? ', nhập từ tệp' : ''})`;
  const out: string[] = [];
  let rank: string;
  if (c.rankBefore === null || c.rankAfter === null) rank = `thứ hạng: ${NO_DATA} để so sánh`;
  else if (c.rankAfter < c.rankBefore)
    rank = `thứ hạng tăng ${c.rankBefore - c.rankAfter} bậc (từ ${c.rankBefore} lên ${c.rankAfter}/${c.rankOf ?? '?'})`;
  else if (c.rankAfter > c.rankBefore)
    rank = `thứ hạng giảm ${c.rankAfter - c.rankBefore} bậc (từ ${c.rankBefore} xuống ${c.rankAfter}/${c.rankOf ?? '?'})`;
  else rank = `thứ hạng giữ nguyên ${c.rankAfter}/${c.rankOf ?? '?'}`;
  const cls =
    c.classBefore !== null && c.classAfter !== null && c.classBefore !== c.classAfter
      ? `; xếp loại từ ${c.classBefore} thành ${c.classAfter}`
      : '';
  out.push(
    `${against}, ${r.province.name}: ${deltaWords(c.total).replace(/^Tổng điểm/, 'tổng điểm')}; ${rank}${cls}.`,
  );
  const falling = c.groups.filter((g) => g.delta !== null && g.delta < 0).sort((x, y) => x.delta! - y.delta!);
  const rising = c.groups.filter((g) => g.delta !== null && g.delta > 0).sort((x, y) => y.delta! - x.delta!);
  const same = c.groups.filter((g) => g.delta === 0);
  const unknown = c.groups.filter((g) => g.delta === null);
  if (falling.length > 0) out.push(`Các nhóm kéo tổng điểm giảm: ${falling.map(deltaWords).join('; ')}.`);
  if (rising.length > 0) out.push(`Các nhóm tăng điểm: ${rising.map(deltaWords).join('; ')}.`);
  if (same.length > 0) out.push(`Giữ nguyên: ${same.map((g) => g.label).join('; ')}.`);
  if (unknown.length > 0)
    out.push(`${capitalize(NO_DATA)} để so sánh: ${unknown.map((g) => g.label).join('; ')}.`);
  const named = (xs: Comparison['up']) => xs.map((x) => `${x.name} (${x.from} → ${x.to})`).join('; ');
  out.push(
    c.up.length > 0
      ? `${count2(c.up.length)} đơn vị nâng xếp loại: ${named(c.up)}.`
      : 'Không có đơn vị nào nâng xếp loại.',
  );
  out.push(
    c.down.length > 0
      ? `${count2(c.down.length)} đơn vị giảm xếp loại: ${named(c.down)}.`
      : 'Không có đơn vị nào giảm xếp loại.',
  );
  if (c.onlyNow.length > 0) out.push(`Chỉ có trong kỳ này: ${c.onlyNow.join('; ')}.`);
  if (c.onlyBefore.length > 0) out.push(`Chỉ có trong kỳ so sánh: ${c.onlyBefore.join('; ')}.`);
  return out;
}
