/**
 * The weekly follow-up mail, rendered from {@link WeeklyFacts}: the province's total and rank
 * against the previous week; the lowest units in TTTT and MDSH (year) with their week's change
 * and gap to target; the episodes open for more than 7 days; the units whose classification
 * went up (to praise) or down (to correct); the week's minor falls when ALERT_MINOR=weekly.
 * HTML with inline styles plus an equivalent plain text, in Vietnamese. Pure.
 */
import { fmtDate, fmtDelta, fmtPoints } from '../detect/format-vi.js';
import { fallSeverity } from '../detect/severity.js';
import { daysBetween, GROUP_LABELS, type UnitKind } from '../domain.js';
import type { WeeklyFacts, WeeklyGroup } from '../query/weekly.js';
import type { DigestOptions, RenderedMail } from './render-digest.js';

/** How many of the lowest units each group lists. */
export const WEEKLY_LOWEST = 10;

export type WeeklyOptions = Pick<
  DigestOptions,
  'publicUrl' | 'portalUrl' | 'provinceName' | 'classify' | 'majorDropCents' | 'minor' | 'targetOf'
> & {
  /** Band order (best first) for "up"/"down": index of a label in config.classBands. */
  readonly bandRank: (label: string | null) => number | null;
};

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Cell {
  readonly text: string;
  readonly html?: string;
  readonly right?: boolean;
}
interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

function htmlTable(t: Table): string {
  const th = t.headers
    .map(
      (h) =>
        `<th style="text-align:left;padding:5px 8px;border:1px solid #c8c8c8;background:#eef2f7">${esc(h)}</th>`,
    )
    .join('');
  const trs = t.rows
    .map(
      (r) =>
        `<tr>${r
          .map(
            (c) =>
              `<td style="padding:5px 8px;border:1px solid #c8c8c8;vertical-align:top${c.right ? ';text-align:right;white-space:nowrap' : ''}">${c.html ?? esc(c.text)}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('');
  return `<table style="border-collapse:collapse;width:100%;font-size:14px;margin:4px 0 16px" cellpadding="0" cellspacing="0"><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

function textTable(t: Table): string {
  return t.rows
    .map((r) => `- ${r.map((c, i) => (i <= 1 ? c.text : `${t.headers[i]}: ${c.text}`)).join(' | ')}`)
    .join('\n');
}

const unitLink = (
  o: WeeklyOptions,
  u: { unitId: string; unitName: string; unitCode: string | null },
): Cell => {
  const href = `${o.publicUrl.replace(/\/$/, '')}/units/${u.unitId}`;
  return {
    text: u.unitName,
    html: `<a href="${esc(href)}" style="color:#0b4f9c">${esc(u.unitName)}</a>${u.unitCode ? ` <span style="color:#555;font-size:12px">${esc(u.unitCode)}</span>` : ''}`,
  };
};

function gapText(score: number, target: number | null): string {
  if (target === null) return '–';
  const gap = Math.round(target * 100) - Math.round(score * 100);
  return gap > 0
    ? `thiếu ${fmtPoints(gap / 100)} (chỉ tiêu ${fmtPoints(target)})`
    : `đạt (${fmtPoints(target)})`;
}

export interface WeeklyCounts {
  readonly longOpen: number;
  readonly up: number;
  readonly down: number;
  readonly minorFalls: number;
}

export function renderWeekly(f: WeeklyFacts, o: WeeklyOptions): RenderedMail & { counts: WeeklyCounts } {
  const province = o.provinceName ?? f.province.name;
  const date = fmtDate(f.date);
  const prev = f.previousDate ? fmtDate(f.previousDate) : null;
  const yearPeriod = { type: 'year' as const, year: f.year, number: 0 };
  const targetOf = (g: WeeklyGroup, kind: UnitKind) => o.targetOf(g, kind, yearPeriod);

  // Province total and rank against the previous week.
  const now = f.provinceNow;
  const before = f.provincePrevious;
  const rankMove =
    now?.rank != null && before?.rank != null
      ? now.rank < before.rank
        ? `tăng ${before.rank - now.rank} bậc`
        : now.rank > before.rank
          ? `giảm ${now.rank - before.rank} bậc`
          : 'giữ nguyên hạng'
      : null;
  const provinceLine = now
    ? `Tổng điểm của tỉnh: ${fmtPoints(now.score)}/100${o.classify(now.score) ? ` (${o.classify(now.score)})` : ''}${now.rank !== null ? `, xếp hạng ${now.rank}${now.rankOf !== null ? `/${now.rankOf}` : ''}` : ''}` +
      (before
        ? `; tuần trước (${prev}) ${fmtPoints(before.score)}${before.rank !== null ? `, hạng ${before.rank}${before.rankOf !== null ? `/${before.rankOf}` : ''}` : ''}` +
          `${now.score !== null && before.score !== null ? ` – ${fmtDelta(Math.round((now.score - before.score) * 100) / 100)} điểm` : ''}${rankMove ? `, ${rankMove}` : ''}.`
        : '; chưa có số liệu của tuần trước để so sánh.')
    : 'Chưa có tổng điểm của tỉnh cho ngày này.';

  const lowestTables = (['TTTT', 'MDSH'] as const).map((g) => {
    const list = f.lowest[g].slice(0, WEEKLY_LOWEST);
    const table: Table = {
      headers: ['STT', 'Đơn vị', 'Điểm', 'Thay đổi trong tuần', 'So với chỉ tiêu'],
      rows: list.map((u, i) => [
        { text: String(i + 1), right: true },
        unitLink(o, u),
        {
          text: `${fmtPoints(u.score)}${u.maxScore !== null ? `/${fmtPoints(u.maxScore)}` : ''}`,
          right: true,
        },
        {
          text: u.previous === null ? '–' : fmtDelta(Math.round((u.score - u.previous) * 100) / 100),
          right: true,
        },
        { text: gapText(u.score, targetOf(g, u.unitKind)) },
      ]),
    };
    return {
      title: `${list.length} đơn vị điểm thấp nhất – ${GROUP_LABELS[g]} (${g}), năm ${f.year}`,
      table,
      empty: 'Chưa có điểm.',
    };
  });

  const longOpenTable: Table = {
    headers: ['Đơn vị', 'Nhóm chỉ số', 'Mốc → hiện tại', 'Thấp nhất', 'Từ ngày', 'Mức độ'],
    rows: f.longOpen.map((a) => {
      const s = fallSeverity(
        {
          baseline: a.baseline,
          after: a.worst,
          maxScore: a.maxScore,
          target: o.targetOf(a.group, a.unitKind, a.period),
        },
        o.majorDropCents,
      );
      return [
        unitLink(o, a),
        { text: `${GROUP_LABELS[a.group]} (${a.group})` },
        { text: `${fmtPoints(a.baseline)} → ${fmtPoints(a.current)}`, right: true },
        { text: fmtPoints(a.worst), right: true },
        { text: `${fmtDate(a.openedOn)} (${daysBetween(a.openedOn, f.date)} ngày)` },
        { text: s.severity === 'major' ? 'giảm mạnh' : 'giảm nhẹ' },
      ];
    }),
  };

  const moves = f.totals.flatMap((t) => {
    const from = o.classify(t.previous);
    const to = o.classify(t.score);
    const a = o.bandRank(from);
    const b = o.bandRank(to);
    if (a === null || b === null || a === b) return [];
    return [{ ...t, from, to, up: b < a }];
  });
  const collator = new Intl.Collator('vi');
  const byName = (x: { unitName: string }, y: { unitName: string }) =>
    collator.compare(x.unitName, y.unitName);
  const up = moves.filter((m) => m.up).sort(byName);
  const down = moves.filter((m) => !m.up).sort(byName);
  const moveLine = (m: (typeof moves)[number]) =>
    `${m.unitName}${m.unitKind === 'province' ? ' (toàn tỉnh)' : ''}: ${m.from} → ${m.to} (tổng điểm ${fmtPoints(m.previous)} → ${fmtPoints(m.score)})`;

  const minorFalls =
    o.minor === 'weekly'
      ? f.falls.filter(
          (e) =>
            fallSeverity(
              {
                baseline: e.baseline ?? e.before ?? 0,
                after: e.after ?? 0,
                maxScore: e.maxScore,
                target: o.targetOf(e.group, e.unitKind, e.period),
              },
              o.majorDropCents,
            ).severity === 'minor',
        )
      : [];
  const minorLines = minorFalls.map(
    (e) =>
      `${fmtDate(String(e.detail.reportDate))} – ${e.unitName}${e.unitCode ? ` (${e.unitCode})` : ''}, ${e.group}: ${fmtPoints(e.before)} → ${fmtPoints(e.after)}${e.kind === 'worsened' ? ` (giảm thêm, mốc ${fmtPoints(e.baseline)})` : ''}`,
  );

  const counts: WeeklyCounts = {
    longOpen: f.longOpen.length,
    up: up.length,
    down: down.length,
    minorFalls: minorFalls.length,
  };
  const subject =
    `[dvc-index] ${province} – theo dõi hằng tuần, số liệu ngày ${date}: ` +
    [
      ...(now?.rank != null ? [`hạng ${now.rank}${now.rankOf !== null ? `/${now.rankOf}` : ''}`] : []),
      `${counts.longOpen} đợt giảm quá 7 ngày`,
      `${counts.up} lên loại`,
      `${counts.down} xuống loại`,
    ].join(', ');

  const sections: { title: string; table?: Table; lines?: string[]; empty: string }[] = [
    ...lowestTables,
    {
      title: `Đợt giảm kéo dài quá 7 ngày, chưa phục hồi (${counts.longOpen})`,
      table: longOpenTable,
      empty: 'Không có.',
    },
    { title: `Lên loại trong tuần – biểu dương (${counts.up})`, lines: up.map(moveLine), empty: 'Không có.' },
    {
      title: `Xuống loại trong tuần – cần chấn chỉnh (${counts.down})`,
      lines: down.map(moveLine),
      empty: 'Không có.',
    },
    ...(o.minor === 'weekly'
      ? [{ title: `Giảm nhẹ trong tuần (${counts.minorFalls})`, lines: minorLines, empty: 'Không có.' }]
      : []),
  ];
  const heading = `Theo dõi hằng tuần – Chỉ số phục vụ người dân, doanh nghiệp – ${province}`;
  const period = prev
    ? `Số liệu ngày ${date}, so với ngày ${prev}`
    : `Số liệu ngày ${date} (chưa có số liệu một tuần trước)`;
  const base = o.publicUrl.replace(/\/$/, '');
  const footer =
    'Thư gửi tự động mỗi tuần từ dvc-index. "Mốc" là điểm trước khi giảm; đợt giảm kết thúc khi điểm trở lại bằng hoặc cao hơn mốc. Xếp loại theo tổng điểm năm.';
  const text = [
    heading,
    period,
    '',
    provinceLine,
    '',
    ...sections.flatMap((s) => [
      s.title.toUpperCase(),
      s.table
        ? s.table.rows.length
          ? textTable(s.table)
          : s.empty
        : s.lines?.length
          ? s.lines.map((l) => `- ${l}`).join('\n')
          : s.empty,
      '',
    ]),
    `Tổng quan tỉnh: ${base}/`,
    `Cổng Dịch vụ công quốc gia: ${o.portalUrl}`,
    '',
    footer,
  ].join('\n');
  const p = (s: string, style = '') => `<p style="margin:0 0 8px${style}">${s}</p>`;
  const html = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(subject)}</title></head>
<body style="margin:0;padding:16px;background:#ffffff;color:#1a1a1a;font-family:Arial,'Helvetica Neue',Helvetica,sans-serif;font-size:14px;line-height:1.45">
<div style="max-width:900px">
<h1 style="font-size:20px;margin:0 0 4px">${esc(heading)}</h1>
${p(esc(period), ';color:#555')}
${p(`<strong>${esc(provinceLine)}</strong>`, ';font-size:15px')}
${sections
  .map(
    (s) =>
      `<h2 style="font-size:16px;margin:18px 0 6px">${esc(s.title)}</h2>\n${
        s.table
          ? s.table.rows.length
            ? htmlTable(s.table)
            : p(esc(s.empty), ';color:#555')
          : s.lines?.length
            ? `<ul style="margin:0 0 12px;padding-left:20px">${s.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`
            : p(esc(s.empty), ';color:#555')
      }`,
  )
  .join('\n')}
${p(`Tổng quan tỉnh: <a href="${esc(`${base}/`)}" style="color:#0b4f9c">${esc(`${base}/`)}</a>`)}
${p(`Cổng Dịch vụ công quốc gia: <a href="${esc(o.portalUrl)}" style="color:#0b4f9c">${esc(o.portalUrl)}</a>`)}
${p(esc(footer), ';color:#555;font-size:12px')}
</div></body></html>
`;
  return { subject, text, html, counts };
}
