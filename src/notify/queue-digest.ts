/**
 * Write one run's digest into the outbox when anything opened, worsened, recovered, crossed
 * a band down or the province itself fell. One mail per (province, report date): the key
 * makes a second detect of the same run a no-op, and a mail already written is never
 * rewritten (what was sent stays what was sent).
 */
import { type Config, classify, targetFor } from '../config.js';
import { EVALUATION_PAGE_PATH, provinceByCode } from '../source/requests.js';
import type { DigestFacts } from '../store/alerts.js';
import type { Queryable } from '../store/db.js';
import { insertMail } from '../store/outbox.js';
import { digestKey, messageIdFor } from './mail-ids.js';
import {
  countDigest,
  type DigestCounts,
  type DigestOptions,
  digestContent,
  isDigestDue,
  renderDigest,
} from './render-digest.js';

export interface QueuedDigest {
  readonly key: string;
  readonly outboxId: string | null;
  /** false when the mail was already in the outbox, or not written (nothing to say, no recipients). */
  readonly created: boolean;
  readonly due: boolean;
  readonly counts: DigestCounts;
}

/** The portal's public evaluation page. */
export function portalPageUrl(config: Pick<Config, 'portalBaseUrl'>): string {
  return `${config.portalBaseUrl.replace(/\/$/, '')}${EVALUATION_PAGE_PATH}`;
}

/** The digest's options from the configuration. */
export function digestOptions(config: Config, provinceName?: string): DigestOptions {
  return {
    portalUrl: portalPageUrl(config),
    publicUrl: config.publicUrl,
    ...(provinceName !== undefined ? { provinceName } : {}),
    classify: (t) => classify(config, t),
    majorDropCents: Math.round(config.alertMajorDrop * 100),
    minor: config.alertMinor,
    targetOf: (group, kind, period) => (period.type === 'year' ? targetFor(config, group, kind) : null),
  };
}

export async function queueDigest(
  db: Queryable,
  config: Config,
  facts: DigestFacts,
  runId: string | null,
  /** Units told by their own mail for this date (the digest names them). */
  told: readonly string[] = [],
): Promise<QueuedDigest> {
  const provinceCode = facts.province.code ?? '';
  const key = digestKey(provinceCode, facts.reportDate);
  const opts = digestOptions(config, provinceByCode(provinceCode)?.name ?? facts.province.name);
  const counts = countDigest(digestContent(facts, opts));
  const due = isDigestDue(counts);
  if (!due || config.alertTo.length === 0) return { key, outboxId: null, created: false, due, counts };
  const mail = renderDigest(facts, { ...opts, told });
  const r = await insertMail(db, {
    key,
    kind: 'digest',
    provinceCode,
    reportDate: facts.reportDate,
    runId,
    recipients: config.alertTo,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: messageIdFor(key, config.alertFrom),
  });
  return { key, outboxId: r.id, created: r.created, due, counts };
}
