/**
 * Each unit told about its own scores: when a unit has contacts (`dvc-index contacts`), the
 * falls (new or worsened) and recoveries of that unit on a report date also go to them in a
 * short mail about that unit alone: what fell, by how much, the sub-metric reasons, and the
 * link to its page. Written to the outbox once per (unit, report date) under a derived key, so
 * a second detect, a retry or an SMTP outage never sends it twice; `ALERT_UNIT_MAILS=off`
 * turns it off. Rendering is pure; queueing reads the contacts and writes the outbox.
 */
import type { Config } from '../config.js';
import { fmtDate, fmtDelta, fmtPercent, fmtPoints } from '../detect/format-vi.js';
import { fallSeverity } from '../detect/severity.js';
import { GROUP_LABELS } from '../domain.js';
import { provinceByCode } from '../source/requests.js';
import type { DigestFacts, EventRow } from '../store/alerts.js';
import { listContacts } from '../store/contacts.js';
import type { Queryable } from '../store/db.js';
import { insertMail } from '../store/outbox.js';
import { messageIdFor } from './mail-ids.js';
import { digestOptions } from './queue-digest.js';
import { type DigestOptions, periodLabel, type RenderedMail } from './render-digest.js';

const UNIT_EVENT_KINDS = new Set(['opened', 'worsened', 'recovered']);

export function unitMailKey(provinceCode: string, unitId: string, reportDate: string): string {
  return `unit-${provinceCode}-${unitId}-${reportDate}`;
}

/** The events each unit is told about on this date: its own falls and recoveries. */
export function unitEvents(facts: DigestFacts): Map<string, EventRow[]> {
  const out = new Map<string, EventRow[]>();
  for (const e of facts.events)
    if (UNIT_EVENT_KINDS.has(e.kind)) out.set(e.unitId, [...(out.get(e.unitId) ?? []), e]);
  return out;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const label = (e: EventRow) => `${GROUP_LABELS[e.group]} (${e.group})`;

/** Render the mail to one unit about its own events of one report date. */
export function renderUnitMail(
  facts: DigestFacts,
  unitEvents: readonly EventRow[],
  o: Pick<DigestOptions, 'publicUrl' | 'portalUrl' | 'majorDropCents' | 'targetOf'>,
): RenderedMail {
  const first = unitEvents[0];
  if (!first) throw new Error('renderUnitMail: no events');
  const unitName = first.unitName;
  const date = fmtDate(facts.reportDate);
  const bandDown = facts.events.find((e) => e.kind === 'band-down' && e.unitId === first.unitId);
  const subjectParts = unitEvents.map((e) =>
    e.kind === 'recovered'
      ? `phục hồi ${GROUP_LABELS[e.group]}`
      : `${e.kind === 'worsened' ? 'giảm thêm' : 'giảm'} ${GROUP_LABELS[e.group]} ${e.before !== null && e.after !== null ? fmtDelta(e.after - e.before) : ''}`.trim(),
  );
  const subject = `[dvc-index] ${unitName} – số liệu ngày ${date}: ${subjectParts.join(', ')}`;

  const items = unitEvents.map((e) => {
    const target = o.targetOf(e.group, e.unitKind, e.period);
    if (e.kind === 'recovered') {
      return {
        head: `${label(e)}, ${periodLabel(e.period)}: đã phục hồi, ${fmtPoints(e.after)} điểm`,
        lines: [
          `Mốc trước khi giảm ${fmtPoints(e.baseline)}, thấp nhất ${fmtPoints(e.worst)}${e.openedOn ? `, giảm từ ngày ${fmtDate(e.openedOn)}` : ''}.`,
        ],
      };
    }
    const s = fallSeverity(
      {
        baseline: e.baseline ?? e.before ?? 0,
        after: e.after ?? 0,
        maxScore: e.maxScore,
        bandCrossed: bandDown !== undefined,
        target,
      },
      o.majorDropCents,
    );
    const delta = e.before !== null && e.after !== null ? fmtDelta(e.after - e.before) : '–';
    const lines: string[] = [];
    if (e.kind === 'worsened')
      lines.push(
        `Giảm thêm; mốc trước khi giảm ${fmtPoints(e.baseline)}${e.openedOn ? ` (từ ngày ${fmtDate(e.openedOn)})` : ''}, đã giảm ${fmtPoints(s.depthCents / 100)} điểm${s.share !== null ? ` (${fmtPercent(s.share * 100)} thang điểm)` : ''}.`,
      );
    else if (s.share !== null)
      lines.push(`Mức giảm bằng ${fmtPercent(s.share * 100)} thang điểm ${fmtPoints(e.maxScore)}.`);
    if (e.gapDays !== null && e.gapDays > 1 && e.comparedOn)
      lines.push(`So với ngày ${fmtDate(e.comparedOn)}, cách ${e.gapDays} ngày.`);
    if (target !== null && e.after !== null && Math.round(e.after * 100) < Math.round(target * 100))
      lines.push(
        `Dưới chỉ tiêu ${fmtPoints(target)} (thiếu ${fmtPoints((Math.round(target * 100) - Math.round(e.after * 100)) / 100)}).`,
      );
    const reasons = (e.detail.reasons ?? []).map((r) => r.text);
    if (reasons.length) lines.push(`Nguyên nhân: ${reasons.join('; ')}.`);
    return {
      head: `${label(e)}, ${periodLabel(e.period)}: ${s.severity === 'major' ? 'giảm mạnh' : 'giảm'} từ ${fmtPoints(e.before)} xuống ${fmtPoints(e.after)} (${delta} điểm)`,
      lines,
    };
  });
  const bandLine = bandDown
    ? `Tổng điểm của đơn vị xuống loại: từ ${String(bandDown.detail.fromBand)} xuống ${String(bandDown.detail.toBand)} (${fmtPoints(bandDown.before)} → ${fmtPoints(bandDown.after)}).`
    : null;
  const page = `${o.publicUrl.replace(/\/$/, '')}/units/${first.unitId}`;
  const intro = `Số liệu ngày ${date} trên Cổng Dịch vụ công quốc gia ghi nhận thay đổi điểm của đơn vị:`;
  const footer =
    'Thư gửi tự động từ dvc-index tới địa chỉ liên hệ của đơn vị; văn phòng theo dõi chỉ số nhận thư tổng hợp cùng nội dung. "Mốc" là điểm trước khi giảm; đợt giảm kết thúc khi điểm trở lại bằng hoặc cao hơn mốc.';
  const text = [
    `Kính gửi: ${unitName}`,
    '',
    intro,
    '',
    ...items.flatMap((i) => [`- ${i.head}`, ...i.lines.map((l) => `  ${l}`)]),
    ...(bandLine ? ['', bandLine] : []),
    '',
    `Lịch sử điểm của đơn vị: ${page}`,
    `Cổng Dịch vụ công quốc gia: ${o.portalUrl}`,
    '',
    footer,
  ].join('\n');
  const p = (s: string, style = '') => `<p style="margin:0 0 8px${style}">${s}</p>`;
  const html = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(subject)}</title></head>
<body style="margin:0;padding:16px;background:#ffffff;color:#1a1a1a;font-family:Arial,'Helvetica Neue',Helvetica,sans-serif;font-size:14px;line-height:1.45">
<div style="max-width:720px">
${p(`Kính gửi: <strong>${esc(unitName)}</strong>`)}
${p(esc(intro))}
<ul style="margin:0 0 12px;padding-left:20px">${items
    .map(
      (i) =>
        `<li style="margin:0 0 8px"><strong>${esc(i.head)}</strong>${i.lines.map((l) => `<br>${esc(l)}`).join('')}</li>`,
    )
    .join('')}</ul>
${bandLine ? p(`<strong>${esc(bandLine)}</strong>`, ';color:#a4000f') : ''}
${p(`Lịch sử điểm của đơn vị: <a href="${esc(page)}" style="color:#0b4f9c">${esc(page)}</a>`)}
${p(`Cổng Dịch vụ công quốc gia: <a href="${esc(o.portalUrl)}" style="color:#0b4f9c">${esc(o.portalUrl)}</a>`)}
${p(esc(footer), ';color:#555;font-size:12px')}
</div></body></html>
`;
  return { subject, text, html };
}

export interface QueuedUnitMails {
  /** Units told (their names), in the contacts' order: for the office's digest. */
  readonly told: string[];
  readonly created: number;
}

/** Write one mail per unit with contacts and events on this date. Off with ALERT_UNIT_MAILS=off. */
export async function queueUnitMails(
  db: Queryable,
  config: Config,
  facts: DigestFacts,
  runId: string | null,
): Promise<QueuedUnitMails> {
  if (config.alertUnitMails === 'off') return { told: [], created: 0 };
  const byUnit = unitEvents(facts);
  if (byUnit.size === 0) return { told: [], created: 0 };
  const contacts = await listContacts(db, [...byUnit.keys()]);
  const provinceCode = facts.province.code ?? '';
  const opts = digestOptions(config, provinceByCode(provinceCode)?.name ?? facts.province.name);
  const told: string[] = [];
  let created = 0;
  for (const c of contacts) {
    const events = byUnit.get(c.unitId);
    if (!events || c.emails.length === 0) continue;
    const key = unitMailKey(provinceCode, c.unitId, facts.reportDate);
    const mail = renderUnitMail(facts, events, opts);
    const r = await insertMail(db, {
      key,
      kind: 'unit',
      provinceCode,
      reportDate: facts.reportDate,
      runId,
      recipients: c.emails,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: messageIdFor(key, config.alertFrom),
    });
    if (r.created) created++;
    told.push(c.unitName);
  }
  return { told, created };
}
