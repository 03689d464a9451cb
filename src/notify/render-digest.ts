/**
 * The daily digest, rendered from stored facts: a subject with the province, report date
 * and counts; major falls first (a table, most serious first), then minor falls (a compact
 * list, or none when ALERT_MINOR sends them to the weekly mail), still-open episodes and
 * recoveries; the province's total and rank; links to the portal and to each unit's history
 * page. The subject's counts are the sections' counts, computed once from the same lists. HTML with inline styles only
 * (mail clients drop <style> and block images, so there are none) plus an equivalent plain
 * text. Pure.
 */

import type { FallReason } from '../detect/explain-fall.js';
import { fmtDate, fmtDelta, fmtPercent, fmtPoints } from '../detect/format-vi.js';
import { bySeverity, type FallSeverity, fallSeverity } from '../detect/severity.js';
import {
  daysBetween,
  GROUP_LABELS,
  type IsoDate,
  type Period,
  type ScoreGroup,
  type UnitKind,
} from '../domain.js';
import type { AlertRow, DigestFacts, EventRow } from '../store/alerts.js';

export interface DigestLinks {
  /** The portal's public evaluation page. */
  readonly portalUrl: string;
  /** Base of the history web page (`${publicUrl}/units/<id>`). */
  readonly publicUrl: string;
}

export interface DigestOptions extends DigestLinks {
  /** Province name to show (the unit's own name is used when absent). */
  readonly provinceName?: string;
  /** Classification label of a total score (config.classBands). */
  readonly classify: (total: number | null) => string | null;
  /** ALERT_MAJOR_DROP in hundredths. */
  readonly majorDropCents: number;
  /** ALERT_MINOR: minor falls in the digest (compact), only in the weekly mail, or not mailed. */
  readonly minor: 'digest' | 'weekly' | 'off';
  /** The unit's target (ALERT_TARGETS) for a group and period, or null. */
  readonly targetOf: (group: ScoreGroup, kind: UnitKind, period: Period) => number | null;
  /** Units told about their own falls/recoveries by their own mail for this date (names). */
  readonly told?: readonly string[];
}

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface DigestCounts {
  /** Falls (new or worsened) that are major. */
  readonly major: number;
  /** Minor falls shown in this digest (0 when ALERT_MINOR is weekly or off). */
  readonly minor: number;
  /** Minor falls left to the weekly mail or not mailed. */
  readonly minorHeld: number;
  readonly recovered: number;
  readonly bandDown: number;
  readonly provinceFall: number;
}

type SeverityOptions = Pick<DigestOptions, 'majorDropCents' | 'minor' | 'targetOf'>;

/** The severity of a fall event (opened/worsened), measured from its episode's baseline. */
export function eventSeverity(
  e: EventRow,
  bandDownUnits: ReadonlySet<string>,
  o: SeverityOptions,
): FallSeverity {
  return fallSeverity(
    {
      baseline: e.baseline ?? e.before ?? 0,
      after: e.after ?? 0,
      maxScore: e.maxScore,
      bandCrossed: bandDownUnits.has(e.unitId),
      target: o.targetOf(e.group, e.unitKind, e.period),
    },
    o.majorDropCents,
  );
}

/** The severity of an episode as a whole (baseline to worst), for recoveries and open ones. */
export function episodeSeverity(
  a: {
    baseline: number | null;
    worst: number | null;
    maxScore: number | null;
    group: ScoreGroup;
    unitKind: UnitKind;
    period: Period;
  },
  o: SeverityOptions,
): FallSeverity {
  return fallSeverity(
    {
      baseline: a.baseline ?? 0,
      after: a.worst ?? a.baseline ?? 0,
      maxScore: a.maxScore,
      target: o.targetOf(a.group, a.unitKind, a.period),
    },
    o.majorDropCents,
  );
}

/** What the digest shows, in the order it shows it; counts and subject come from these lists. */
export interface DigestContent {
  readonly major: readonly { e: EventRow; s: FallSeverity }[];
  readonly minor: readonly { e: EventRow; s: FallSeverity }[];
  readonly minorHeld: number;
  readonly stillOpen: readonly { a: AlertRow; s: FallSeverity }[];
  readonly stillOpenMinor: number;
  readonly recovered: readonly EventRow[];
  readonly bandDowns: readonly EventRow[];
  readonly provinceFalls: readonly EventRow[];
  readonly notes: readonly EventRow[];
}

export function digestContent(f: DigestFacts, o: SeverityOptions): DigestContent {
  const bandDowns = f.events.filter((e) => e.kind === 'band-down');
  const bandDownUnits = new Set(bandDowns.map((e) => e.unitId));
  const falls = bySeverity(
    f.events
      .filter((e) => e.kind === 'opened' || e.kind === 'worsened')
      .map((e) => ({ e, s: eventSeverity(e, bandDownUnits, o) })),
    (x) => x.s,
  );
  const major = falls.filter((x) => x.s.severity === 'major');
  const minorAll = falls.filter((x) => x.s.severity === 'minor');
  const showMinor = o.minor === 'digest';
  const open = bySeverity(
    f.stillOpen.map((a) => ({ a, s: episodeSeverity(a, o) })),
    (x) => x.s,
  );
  const recovered = f.events.filter(
    (e) => e.kind === 'recovered' && (showMinor || episodeSeverity(e, o).severity === 'major'),
  );
  return {
    major,
    minor: showMinor ? minorAll : [],
    minorHeld: showMinor ? 0 : minorAll.length,
    stillOpen: showMinor ? open : open.filter((x) => x.s.severity === 'major'),
    stillOpenMinor: open.filter((x) => x.s.severity === 'minor').length,
    recovered,
    bandDowns,
    provinceFalls: f.events.filter((e) => e.kind === 'province-fall'),
    notes: f.events.filter((e) => e.kind === 'new-epoch' || e.kind === 'closed'),
  };
}

/** The counts of what the digest shows (the subject's figures). */
export function countDigest(c: DigestContent): DigestCounts {
  return {
    major: c.major.length,
    minor: c.minor.length,
    minorHeld: c.minorHeld,
    recovered: c.recovered.length,
    bandDown: c.bandDowns.length,
    provinceFall: c.provinceFalls.length,
  };
}

/** A digest is due when it has anything to say today (held minor falls alone are not enough). */
export function isDigestDue(c: DigestCounts): boolean {
  return c.major + c.minor + c.recovered + c.bandDown + c.provinceFall > 0;
}

/** "2 giảm mạnh, 5 giảm nhẹ, 1 phục hồi, 1 xuống loại": the subject's counts. */
export function subjectCounts(c: DigestCounts, minor: DigestOptions['minor']): string {
  const parts = [`${c.major} giảm mạnh`];
  if (minor === 'digest') parts.push(`${c.minor} giảm nhẹ`);
  parts.push(`${c.recovered} phục hồi`);
  if (c.bandDown > 0) parts.push(`${c.bandDown} xuống loại`);
  return parts.join(', ');
}

/** "năm 2026", "quý 4/2026", "tháng 11/2026". */
export function periodLabel(p: Period): string {
  if (p.type === 'year') return `năm ${p.year}`;
  if (p.type === 'quarter') return `quý ${p.number}/${p.year}`;
  return `tháng ${p.number}/${p.year}`;
}

function groupLabel(g: ScoreGroup): string {
  return `${GROUP_LABELS[g]} (${g})`;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function unitLabel(u: { unitName: string; unitCode: string | null; unitKind: string }): string {
  return u.unitKind === 'province' ? `${u.unitName} (toàn tỉnh)` : u.unitName;
}

function gapNote(e: Pick<EventRow, 'gapDays' | 'comparedOn'>): string | null {
  if (e.gapDays === null || e.gapDays <= 1 || e.comparedOn === null) return null;
  return `so với ngày ${fmtDate(e.comparedOn)}, cách ${e.gapDays} ngày`;
}

function reasonsOf(e: { detail: { reasons?: readonly FallReason[] } }): string[] {
  return (e.detail.reasons ?? []).map((r) => r.text);
}

interface Table {
  readonly headers: readonly string[];
  /** Cells as [text, html]; html already escaped. */
  readonly rows: ReadonlyArray<ReadonlyArray<{ text: string; html: string; align?: 'right' }>>;
}

const cell = (text: string, align?: 'right') => ({ text, html: esc(text), align });

function unitCell(
  u: { unitId: string; unitName: string; unitCode: string | null; unitKind: string },
  publicUrl: string,
) {
  const label = unitLabel(u);
  const href = `${publicUrl.replace(/\/$/, '')}/units/${u.unitId}`;
  const code = u.unitCode ? `<br><span style="color:#555;font-size:12px">${esc(u.unitCode)}</span>` : '';
  return { text: label, html: `<a href="${esc(href)}" style="color:#0b4f9c">${esc(label)}</a>${code}` };
}

function groupCell(g: ScoreGroup, p: Period) {
  return {
    text: `${groupLabel(g)}, ${periodLabel(p)}`,
    html: `${esc(groupLabel(g))}<br><span style="color:#555;font-size:12px">${esc(periodLabel(p))}</span>`,
  };
}

function htmlTable(t: Table): string {
  const th = t.headers
    .map(
      (h) =>
        `<th style="text-align:left;padding:6px 8px;border:1px solid #c8c8c8;background:#eef2f7;font-weight:bold">${esc(h)}</th>`,
    )
    .join('');
  const trs = t.rows
    .map(
      (r) =>
        `<tr>${r
          .map(
            (c) =>
              `<td style="padding:6px 8px;border:1px solid #c8c8c8;vertical-align:top${c.align === 'right' ? ';text-align:right;white-space:nowrap' : ''}">${c.html}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('');
  return `<table style="border-collapse:collapse;width:100%;font-size:14px;margin:4px 0 16px" cellpadding="0" cellspacing="0"><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

function textTable(t: Table): string {
  return t.rows
    .map((r) => `- ${r.map((c, i) => (i === 0 ? c.text : `${t.headers[i]}: ${c.text}`)).join(' | ')}`)
    .join('\n');
}

function daysOpen(openedOn: IsoDate, on: IsoDate): number {
  return daysBetween(openedOn, on);
}

function shareNote(s: FallSeverity): string | null {
  return s.share === null ? null : `${fmtPercent(s.share * 100)} thang điểm`;
}

function whyMajor(s: FallSeverity, target: number | null, after: number | null): string {
  const out: string[] = [];
  if (s.because.includes('size'))
    out.push(`giảm ${fmtPoints(s.depthCents / 100)} điểm${s.share !== null ? ` (${shareNote(s)})` : ''}`);
  if (s.because.includes('target'))
    out.push(`xuống ${belowNote(after, target) ?? `dưới chỉ tiêu ${fmtPoints(target)}`}`);
  if (s.because.includes('band')) out.push('tổng điểm xuống loại');
  return out.join(', ');
}

/** "dưới chỉ tiêu 8,00 (thiếu 3,00)" when a score is below its target, else null. */
function belowNote(score: number | null, target: number | null): string | null {
  if (score === null || target === null) return null;
  const gap = Math.round(target * 100) - Math.round(score * 100);
  return gap > 0 ? `dưới chỉ tiêu ${fmtPoints(target)} (thiếu ${fmtPoints(gap / 100)})` : null;
}

/** Render the digest of one province and report date. */
export function renderDigest(f: DigestFacts, o: DigestOptions): RenderedMail {
  const province = o.provinceName ?? f.province.name;
  const date = fmtDate(f.reportDate);
  const c = digestContent(f, o);
  const counts = countDigest(c);
  const { recovered, bandDowns, provinceFalls, notes } = c;
  const subject = `[dvc-index] ${province} – số liệu ngày ${date}: ${subjectCounts(counts, o.minor)}`;
  const targetOf = (x: { group: ScoreGroup; unitKind: UnitKind; period: Period }) =>
    o.targetOf(x.group, x.unitKind, x.period);

  const fallTable: Table = {
    headers: ['Đơn vị', 'Nhóm chỉ số', 'Trước → sau', 'Thay đổi', 'Mức độ, nguyên nhân'],
    rows: c.major.map(({ e, s }) => {
      const why = reasonsOf(e);
      const gap = gapNote(e);
      const status =
        e.kind === 'worsened'
          ? `giảm thêm (mốc ${fmtPoints(e.baseline)}, từ ${fmtDate(e.openedOn ?? f.reportDate)})`
          : 'giảm mới';
      const severity = `giảm mạnh: ${whyMajor(s, targetOf(e), e.after)}`;
      const below = s.targetCrossed ? null : belowNote(e.after, targetOf(e));
      const whyText = [severity, status, ...(below ? [below] : []), ...(gap ? [gap] : []), ...why].join('; ');
      return [
        unitCell(e, o.publicUrl),
        groupCell(e.group, e.period),
        cell(`${fmtPoints(e.before)} → ${fmtPoints(e.after)}`, 'right'),
        cell(e.before !== null && e.after !== null ? fmtDelta(e.after - e.before) : '–', 'right'),
        {
          text: whyText,
          html: [
            `<strong style="color:#a4000f">${esc(severity)}</strong>`,
            `<strong>${esc(status)}</strong>`,
            ...(below ? [`<span style="color:#8a4b00;font-weight:bold">${esc(below)}</span>`] : []),
            ...(gap ? [`<em>${esc(gap)}</em>`] : []),
            ...why.map((w) => esc(w)),
          ].join('<br>'),
        },
      ];
    }),
  };
  const minorLines = c.minor.map(({ e, s }) => {
    const what = e.kind === 'worsened' ? `giảm thêm, mốc ${fmtPoints(e.baseline)}` : 'giảm mới';
    const below = belowNote(e.after, targetOf(e));
    return `${unitLabel(e)}${e.unitCode ? ` (${e.unitCode})` : ''} – ${e.group} ${periodLabel(e.period)}: ${fmtPoints(e.before)} → ${fmtPoints(e.after)} (${e.before !== null && e.after !== null ? fmtDelta(e.after - e.before) : '–'}; ${what}${s.share !== null ? `; ${shareNote(s)}` : ''}${below ? `; ${below}` : ''})`;
  });
  const openTable: Table = {
    headers: ['Đơn vị', 'Nhóm chỉ số', 'Mốc → hiện tại', 'Thấp nhất', 'Từ ngày'],
    rows: c.stillOpen.map(({ a }) => [
      unitCell(a, o.publicUrl),
      groupCell(a.group, a.period),
      (() => {
        const below = belowNote(a.current, targetOf(a));
        const text = `${fmtPoints(a.baseline)} → ${fmtPoints(a.current)}`;
        return below
          ? {
              text: `${text} (${below})`,
              html: `${esc(text)}<br><span style="color:#8a4b00;font-size:12px">${esc(below)}</span>`,
              align: 'right' as const,
            }
          : cell(text, 'right');
      })(),
      cell(fmtPoints(a.worst), 'right'),
      cell(`${fmtDate(a.openedOn)} (${daysOpen(a.openedOn, f.reportDate)} ngày)`),
    ]),
  };
  const recoveredTable: Table = {
    headers: ['Đơn vị', 'Nhóm chỉ số', 'Mốc', 'Hiện tại', 'Thấp nhất', 'Giảm từ ngày'],
    rows: recovered.map((e) => [
      unitCell(e, o.publicUrl),
      groupCell(e.group, e.period),
      cell(fmtPoints(e.baseline), 'right'),
      cell(fmtPoints(e.after), 'right'),
      cell(fmtPoints(e.worst), 'right'),
      cell(e.openedOn ? `${fmtDate(e.openedOn)} (${daysOpen(e.openedOn, f.reportDate)} ngày)` : '–'),
    ]),
  };

  const total = f.provinceTotal;
  const totalLine = total
    ? `Tổng điểm của tỉnh (năm): ${fmtPoints(total.score)}/100${
        o.classify(total.score) ? ` – xếp loại ${o.classify(total.score)}` : ''
      }${total.rank !== null ? `, xếp hạng ${total.rank}${total.rankOf !== null ? `/${total.rankOf}` : ''}` : ''}.`
    : 'Chưa có tổng điểm của tỉnh cho ngày này.';
  const flagLines = [
    ...provinceFalls.map(
      (e) =>
        `Cảnh báo: ${GROUP_LABELS[e.group].toLowerCase()} của toàn tỉnh giảm ${fmtPoints(Math.abs((e.after ?? 0) - (e.before ?? 0)))} điểm (${fmtPoints(e.before)} → ${fmtPoints(e.after)}, ${periodLabel(e.period)}${gapNote(e) ? `; ${gapNote(e)}` : ''}).`,
    ),
    ...bandDowns.map(
      (e) =>
        `Xuống loại: ${unitLabel(e)} từ ${String(e.detail.fromBand)} xuống ${String(e.detail.toBand)} (tổng điểm ${fmtPoints(e.before)} → ${fmtPoints(e.after)}, ${periodLabel(e.period)}).`,
    ),
  ];
  const noteLines = notes.map((e) => {
    if (e.kind === 'new-epoch')
      return `${unitLabel(e)}, ${groupLabel(e.group)}: thang điểm đổi từ ${fmtPoints(e.detail.fromMax as number | null)} sang ${fmtPoints(e.detail.toMax as number | null)} (đổi cách tính) – không so sánh với trước.`;
    const why = e.detail.resolution === 'period-ended' ? 'kỳ đánh giá đã kết thúc' : 'thang điểm đã thay đổi';
    return `${unitLabel(e)}, ${groupLabel(e.group)}: đợt giảm từ ${e.openedOn ? fmtDate(e.openedOn) : '–'} được đóng vì ${why}.`;
  });
  const portal = o.portalUrl;

  const sections: Array<{ title: string; table: Table; empty: string; lines?: readonly string[] }> = [
    { title: `Giảm mạnh (${counts.major})`, table: fallTable, empty: 'Không có đơn vị giảm mạnh.' },
    ...(o.minor === 'digest'
      ? [
          {
            title: `Giảm nhẹ (${counts.minor})`,
            table: { headers: [], rows: [] },
            empty: 'Không có.',
            lines: minorLines,
          },
        ]
      : []),
    { title: `Vẫn đang giảm, chưa phục hồi (${c.stillOpen.length})`, table: openTable, empty: 'Không có.' },
    { title: `Đã phục hồi (${counts.recovered})`, table: recoveredTable, empty: 'Không có.' },
  ];
  const heldLine =
    o.minor === 'digest' || counts.minorHeld + c.stillOpenMinor === 0
      ? null
      : o.minor === 'weekly'
        ? `${counts.minorHeld} đơn vị giảm nhẹ hôm nay và ${c.stillOpenMinor} đợt giảm nhẹ còn mở không liệt kê ở đây; xem thư tổng hợp hằng tuần.`
        : `${counts.minorHeld} đơn vị giảm nhẹ hôm nay và ${c.stillOpenMinor} đợt giảm nhẹ còn mở không được gửi thư (ALERT_MINOR=off).`;
  const toldLine = o.told?.length
    ? `Đã gửi thư riêng cho ${o.told.length} đơn vị về điểm của chính đơn vị: ${o.told.join('; ')}.`
    : null;

  const heading = `Chỉ số phục vụ người dân, doanh nghiệp – ${province}`;
  const text = [
    heading,
    `Số liệu ngày ${date}`,
    '',
    totalLine,
    ...flagLines,
    '',
    ...sections.flatMap((s) => [
      s.title.toUpperCase(),
      s.lines
        ? s.lines.length
          ? s.lines.map((l) => `- ${l}`).join('\n')
          : s.empty
        : s.table.rows.length
          ? textTable(s.table)
          : s.empty,
      '',
    ]),
    ...(heldLine ? [heldLine, ''] : []),
    ...(toldLine ? [toldLine, ''] : []),
    ...(noteLines.length ? ['GHI CHÚ', ...noteLines.map((n) => `- ${n}`), ''] : []),
    `Xem trên Cổng Dịch vụ công quốc gia: ${portal}`,
    `Lịch sử điểm của tỉnh: ${o.publicUrl.replace(/\/$/, '')}/units/${f.province.id}`,
    '',
    'Thư gửi tự động từ dvc-index. "Mốc" là điểm trước khi giảm; một đợt giảm kết thúc khi điểm trở lại bằng hoặc cao hơn mốc.',
  ].join('\n');

  const p = (s: string, style = '') => `<p style="margin:0 0 8px${style}">${s}</p>`;
  const html = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(subject)}</title></head>
<body style="margin:0;padding:16px;background:#ffffff;color:#1a1a1a;font-family:Arial,'Helvetica Neue',Helvetica,sans-serif;font-size:14px;line-height:1.45">
<div style="max-width:900px">
<h1 style="font-size:20px;margin:0 0 4px">${esc(heading)}</h1>
${p(`Số liệu ngày <strong>${esc(date)}</strong>`, ';color:#555')}
${p(esc(totalLine), ';font-size:15px')}
${flagLines.map((l) => p(`<strong>${esc(l)}</strong>`, ';color:#a4000f')).join('\n')}
${sections
  .map(
    (s) =>
      `<h2 style="font-size:16px;margin:18px 0 6px">${esc(s.title)}</h2>\n${
        s.lines
          ? s.lines.length
            ? `<ul style="margin:0 0 12px;padding-left:20px;font-size:13px">${s.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`
            : p(esc(s.empty), ';color:#555')
          : s.table.rows.length
            ? htmlTable(s.table)
            : p(esc(s.empty), ';color:#555')
      }`,
  )
  .join('\n')}
${heldLine ? p(esc(heldLine), ';color:#555') : ''}
${toldLine ? p(esc(toldLine)) : ''}
${noteLines.length ? `<h2 style="font-size:16px;margin:18px 0 6px">Ghi chú</h2><ul style="margin:0 0 12px;padding-left:20px">${noteLines.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
${p(`Xem trên Cổng Dịch vụ công quốc gia: <a href="${esc(portal)}" style="color:#0b4f9c">${esc(portal)}</a>`)}
${p(`Lịch sử điểm của tỉnh: <a href="${esc(`${o.publicUrl.replace(/\/$/, '')}/units/${f.province.id}`)}" style="color:#0b4f9c">${esc(`${o.publicUrl.replace(/\/$/, '')}/units/${f.province.id}`)}</a>`)}
${p('Thư gửi tự động từ dvc-index. &quot;Mốc&quot; là điểm trước khi giảm; một đợt giảm kết thúc khi điểm trở lại bằng hoặc cao hơn mốc.', ';color:#555;font-size:12px')}
</div></body></html>
`;
  return { subject, text, html };
}
