/**
 * Operator mails: the portal blocked a run (the circuit is open, with the WAF's support id),
 * or no run had finished by ALERT_NO_DATA_BY. Each is written into the outbox under a key
 * that allows one mail per (province, day, kind); the caller then enqueues notify (see
 * {@link operatorNotifyJobId}). Recipients: ALERT_TO_OPERATOR (defaults to ALERT_TO).
 */
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { fmtDate } from '../detect/format-vi.js';
import { addDays, dateInZone, type IsoDate } from '../domain.js';
import type { PortalBlockedError } from '../errors.js';
import { provinceByCode } from '../source/requests.js';
import type { Queryable } from '../store/db.js';
import { insertMail } from '../store/outbox.js';
import { messageIdFor } from './mail-ids.js';

export interface OperatorMailResult {
  readonly key: string;
  readonly outboxId: string | null;
  /** false when the same mail was written before, or there are no operator recipients. */
  readonly created: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function htmlOf(title: string, lines: readonly string[]): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${esc(title)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1a1a1a">
<h1 style="font-size:18px">${esc(title)}</h1>
${lines.map((l) => `<p style="margin:0 0 8px">${esc(l)}</p>`).join('\n')}
</body></html>
`;
}

/** Job id for the notify job that follows an operator mail (distinct from the run's notify). */
export function operatorNotifyJobId(
  kind: 'blocked' | 'no-data',
  provinceCode: string,
  date: IsoDate,
): string {
  return `notify-operator-${kind}-${provinceCode}-${date}`;
}

const provinceName = (code: string) => provinceByCode(code)?.name ?? code;

async function writeOperatorMail(
  db: Queryable,
  config: Config,
  m: { key: string; provinceCode: string; reportDate: IsoDate; subject: string; lines: string[] },
): Promise<OperatorMailResult> {
  if (config.alertToOperator.length === 0) return { key: m.key, outboxId: null, created: false };
  const r = await insertMail(db, {
    key: m.key,
    kind: 'operator',
    provinceCode: m.provinceCode,
    reportDate: m.reportDate,
    recipients: config.alertToOperator,
    subject: m.subject,
    text: `${m.subject}\n\n${m.lines.join('\n')}\n`,
    html: htmlOf(m.subject, m.lines),
    messageId: messageIdFor(m.key, config.alertFrom),
  });
  return { key: m.key, outboxId: r.id, created: r.created };
}

export interface BlockedRunInfo {
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  readonly error: PortalBlockedError;
}

/** What {@link recordBlockedRun} and {@link runNoDataCheck} need from the process's Deps. */
type MailDeps = Pick<Deps, 'pool' | 'config' | 'enqueue'>;

function isDeps(x: unknown): x is MailDeps {
  return typeof x === 'object' && x !== null && 'pool' in x && 'config' in x && 'enqueue' in x;
}

/**
 * The portal refused a run (403/429/WAF page): tell the operator once per (province, report
 * date), with the support id the portal's operators ask for and the command that closes the
 * circuit. Two call forms:
 * - `recordBlockedRun(deps, { provinceCode, reportDate, error })` (what collect uses): writes
 *   the mail and enqueues notify under {@link operatorNotifyJobId};
 * - `recordBlockedRun(pool, config, { … })`: writes the mail only.
 */
export async function recordBlockedRun(deps: MailDeps, q: BlockedRunInfo): Promise<OperatorMailResult>;
export async function recordBlockedRun(
  db: Queryable,
  config: Config,
  q: BlockedRunInfo,
): Promise<OperatorMailResult>;
export async function recordBlockedRun(
  a: MailDeps | Queryable,
  b: Config | BlockedRunInfo,
  c?: BlockedRunInfo,
): Promise<OperatorMailResult> {
  if (isDeps(a)) {
    const q = b as BlockedRunInfo;
    const r = await writeBlockedMail(a.pool, a.config, q);
    if (r.created)
      await a.enqueue(
        'notify',
        { reason: 'operator-blocked' },
        operatorNotifyJobId('blocked', q.provinceCode, q.reportDate),
      );
    return r;
  }
  return writeBlockedMail(a, b as Config, c as BlockedRunInfo);
}

async function writeBlockedMail(
  db: Queryable,
  config: Config,
  q: BlockedRunInfo,
): Promise<OperatorMailResult> {
  const e = q.error;
  const name = provinceName(q.provinceCode);
  const subject = `[dvc-index] Cổng DVC chặn truy cập – ${name}, số liệu ngày ${fmtDate(q.reportDate)}`;
  const lines = [
    `Lần thu thập số liệu ngày ${fmtDate(q.reportDate)} của ${name} (${q.provinceCode}) bị cổng từ chối và đã dừng.`,
    `Loại chặn: ${e.kind}${e.status ? `, HTTP ${e.status}` : ''}.`,
    `Mã hỗ trợ (support id): ${e.supportId ?? 'không có'}.`,
    `Địa chỉ: ${e.url}`,
    `Chi tiết: ${e.message}`,
    'Mọi lần thu thập đã tạm dừng (circuit open); công cụ không tự thử lại và không đổi địa chỉ/danh tính.',
    'Khi cổng đã bỏ chặn, mở lại bằng lệnh: dvc-index circuit close --reason "…"',
  ];
  return writeOperatorMail(db, config, {
    key: `operator-blocked-${q.provinceCode}-${q.reportDate}`,
    provinceCode: q.provinceCode,
    reportDate: q.reportDate,
    subject,
    lines,
  });
}

export interface FormatFailureInfo {
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  /** The calls whose answers were unusable (the rest of the day is stored). */
  readonly failures: ReadonlyArray<{ call: string; periodKey: string; error: string }>;
}

/**
 * Some answers of a run were unusable (invalid JSON, an envelope code other than OK, a
 * required field missing): the rest of the day is stored, and the operator is told once per
 * (province, report date) which calls failed and why, since the portal may have changed its
 * format. The run's own notify sends it.
 */
export async function recordFormatFailures(
  db: Queryable,
  config: Config,
  q: FormatFailureInfo,
): Promise<OperatorMailResult> {
  const name = provinceName(q.provinceCode);
  const subject = `[dvc-index] Cổng DVC trả dữ liệu không đọc được – ${name}, số liệu ngày ${fmtDate(q.reportDate)}`;
  const lines = [
    `Lần thu thập số liệu ngày ${fmtDate(q.reportDate)} của ${name} (${q.provinceCode}) nhận ${q.failures.length} câu trả lời không đọc được; phần còn lại của ngày đã được lưu, phần của các câu trả lời này để trống (không bao giờ ghi 0).`,
    ...q.failures.slice(0, 20).map((f) => `- ${f.call} (${f.periodKey}): ${f.error.slice(0, 300)}`),
    'Cổng có thể đã đổi định dạng. Xem: dvc-index runs; bản ghi gốc được giữ, sau khi sửa bộ đọc chạy lại: dvc-index reingest --date …',
  ];
  return writeOperatorMail(db, config, {
    key: `operator-format-${q.provinceCode}-${q.reportDate}`,
    provinceCode: q.provinceCode,
    reportDate: q.reportDate,
    subject,
    lines,
  });
}

export interface NoDataDecision {
  readonly due: boolean;
  /** Local calendar date (TZ) of `now`: one mail per province per such day. */
  readonly localDate: IsoDate;
  /** The report date a run should have finished for by now. */
  readonly reportDate: IsoDate;
}

/**
 * Pure: is the no-data check due at `now`? Due once the local time (TZ) is at or past
 * ALERT_NO_DATA_BY; never when that setting is empty.
 */
export function decideNoData(
  config: Pick<Config, 'alertNoDataBy' | 'timeZone' | 'reportDateOffsetDays'>,
  now: Date,
): NoDataDecision {
  const localDate = dateInZone(now, config.timeZone);
  const reportDate = addDays(localDate, -config.reportDateOffsetDays);
  if (config.alertNoDataBy === '') return { due: false, localDate, reportDate };
  const hm = new Intl.DateTimeFormat('en-GB', {
    timeZone: config.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(now);
  return { due: hm >= config.alertNoDataBy, localDate, reportDate };
}

/**
 * The "no finished run by ALERT_NO_DATA_BY" check for every configured province: when due
 * and the expected report date has no run whose scores are stored (ingested, detected or
 * done, or already detected), write one operator mail per province per local day. Safe to
 * call as often as the scheduler likes (e.g. every 15 minutes, or once at the deadline).
 * Returns the mails written or found; enqueue notify when any was created.
 */
export async function checkNoData(db: Queryable, config: Config, now: Date): Promise<OperatorMailResult[]> {
  const d = decideNoData(config, now);
  if (!d.due) return [];
  const out: OperatorMailResult[] = [];
  for (const code of config.provinces) {
    const r = await db.query(
      `select exists (select 1 from runs where province_code = $1 and report_date = $2
                        and status in ('ingested', 'detected', 'done'))
           or exists (select 1 from alert_detections where province_code = $1 and report_date = $2) as ok,
              (select status || coalesce(': ' || error_message, '') from runs
                where province_code = $1 and report_date = $2) as run`,
      [code, d.reportDate],
    );
    if (r.rows[0].ok) continue;
    const name = provinceName(code);
    const subject = `[dvc-index] Chưa có số liệu ngày ${fmtDate(d.reportDate)} – ${name}`;
    const lines = [
      `Đến ${config.alertNoDataBy} (${config.timeZone}) ngày ${fmtDate(d.localDate)}, chưa có lần thu thập nào của ${name} (${code}) cho số liệu ngày ${fmtDate(d.reportDate)} hoàn tất.`,
      `Trạng thái lần thu thập: ${r.rows[0].run ?? 'chưa có lần thu thập nào'}.`,
      'Xem: dvc-index runs, dvc-index circuit status; thu thập lại: dvc-index collect.',
    ];
    out.push(
      await writeOperatorMail(db, config, {
        key: `operator-no-data-${code}-${d.localDate}`,
        provinceCode: code,
        reportDate: d.reportDate,
        subject,
        lines,
      }),
    );
  }
  return out;
}

/**
 * {@link checkNoData} plus the notify enqueue, for the scheduler: call it every few minutes
 * (or once at ALERT_NO_DATA_BY); it writes at most one mail per province per local day.
 */
export async function runNoDataCheck(deps: MailDeps & Pick<Deps, 'now'>): Promise<OperatorMailResult[]> {
  const now = deps.now();
  const mails = await checkNoData(deps.pool, deps.config, now);
  const created = mails.filter((m) => m.created);
  if (created.length > 0) {
    const day = dateInZone(now, deps.config.timeZone);
    await deps.enqueue('notify', { reason: 'operator-no-data' }, operatorNotifyJobId('no-data', 'ALL', day));
  }
  return mails;
}
