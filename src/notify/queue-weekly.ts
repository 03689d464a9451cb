/**
 * The weekly follow-up mail (WEEKLY_DIGEST, default Monday 07:30 in TZ): for each configured
 * province, the facts of the latest report date on or before the local day, rendered and
 * written to the outbox once per (province, local day) — a second tick, another replica, a
 * restart write nothing more — then notify is enqueued to send it. Recipients: ALERT_TO.
 */
import { type Config, classify } from '../config.js';
import type { Deps } from '../deps.js';
import { dateInZone, type IsoDate } from '../domain.js';
import { loadWeeklyFacts, weeklyReferenceDate } from '../query/weekly.js';
import { provinceByCode } from '../source/requests.js';
import { findProvinceUnit } from '../store/alerts.js';
import type { Queryable } from '../store/db.js';
import { insertMail } from '../store/outbox.js';
import { messageIdFor } from './mail-ids.js';
import { digestOptions } from './queue-digest.js';
import { renderWeekly, type WeeklyOptions } from './render-weekly.js';

export function weeklyKey(provinceCode: string, localDay: IsoDate): string {
  return `weekly-${provinceCode}-${localDay}`;
}

export function weeklyOptions(config: Config, provinceName?: string): WeeklyOptions {
  return {
    ...digestOptions(config, provinceName),
    bandRank: (label) => {
      const i = config.classBands.findIndex((b) => b.label === label);
      return label === null || i === -1 ? null : i;
    },
    classify: (t) => classify(config, t),
  };
}

export interface QueuedWeekly {
  readonly provinceCode: string;
  readonly key: string;
  /** The report date the mail is about (null: nothing stored yet, no mail). */
  readonly reportDate: IsoDate | null;
  readonly created: boolean;
}

/** Write the weekly mail of one province for the local day `day` (idempotent). */
export async function queueWeekly(
  db: Queryable,
  config: Config,
  provinceCode: string,
  day: IsoDate,
): Promise<QueuedWeekly> {
  const code = provinceCode.toUpperCase();
  const key = weeklyKey(code, day);
  const province = await findProvinceUnit(db, code);
  const reportDate = province ? await weeklyReferenceDate(db, province.id, day) : null;
  if (!province || reportDate === null || config.alertTo.length === 0)
    return { provinceCode: code, key, reportDate, created: false };
  const facts = await loadWeeklyFacts(db, province, code, reportDate);
  const mail = renderWeekly(facts, weeklyOptions(config, provinceByCode(code)?.name ?? province.name));
  const r = await insertMail(db, {
    key,
    kind: 'weekly',
    provinceCode: code,
    reportDate,
    runId: null,
    recipients: config.alertTo,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: messageIdFor(key, config.alertFrom),
  });
  return { provinceCode: code, key, reportDate, created: r.created };
}

/** The WEEKLY_DIGEST tick: every configured province, then notify when a mail was written. */
export async function runWeeklyDigest(
  deps: Pick<Deps, 'pool' | 'config' | 'enqueue' | 'now' | 'log'>,
): Promise<QueuedWeekly[]> {
  const day = dateInZone(deps.now(), deps.config.timeZone);
  const out: QueuedWeekly[] = [];
  for (const code of deps.config.provinces) out.push(await queueWeekly(deps.pool, deps.config, code, day));
  if (out.some((w) => w.created))
    await deps.enqueue('notify', { reason: 'weekly' }, `notify-weekly-ALL-${day}`);
  deps.log.info({ day, weekly: out }, 'weekly follow-up mail');
  return out;
}
