/**
 * The SMTP edge: send every due mail of the outbox once. Each mail is claimed (`sending`,
 * with a lease) before it goes out and marked `sent` right after, so a retried or a second
 * notify job never sends it again. SMTP errors are sorted by what they mean:
 * - 5xx for every recipient (or for the message) → `failed-permanent`, never retried;
 * - 5xx for some recipients → sent to the others, the refused ones recorded;
 * - anything else (connection refused, timeout, 4xx) → back to `pending` with exponential
 *   backoff, and the caller throws {@link MailRetryableError} so the queue retries the job.
 * A crash between the server's "250 OK" and the `sent` update is the one window where a
 * mail could go twice (after the lease expires); it carries the same Message-ID both times.
 */
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Queryable } from '../store/db.js';
import {
  claimMail,
  countUnsent,
  listDueMails,
  markFailedPermanent,
  markRetry,
  markSent,
  type OutboxMail,
} from '../store/outbox.js';

/** How long a `sending` claim protects a mail from other workers (ms). */
export const SEND_LEASE_MS = 5 * 60_000;
/** Backoff of one mail: JOB_BACKOFF_MS doubled per attempt, at most this (ms). */
export const MAX_MAIL_BACKOFF_MS = 6 * 3_600_000;

/** SMTP was unreachable or answered 4xx: the mails stay pending; retry the job later. */
export class MailRetryableError extends Error {
  override readonly name = 'MailRetryableError';
  constructor(
    readonly pending: number,
    cause: unknown,
  ) {
    super(`${pending} mail(s) could not be sent now and stay in the outbox; will retry`, { cause });
  }
}

export interface SendResult {
  readonly sent: number;
  readonly retrying: number;
  readonly failedPermanent: number;
  /** true when SMTP_URL is empty: nothing was tried. */
  readonly skipped: boolean;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  rejected?: string[];
  rejectedErrors?: Array<{ recipient?: string; responseCode?: number }>;
}

/**
 * Delay before the next try of a mail that failed `attempts` times: the queue's own
 * exponential backoff (JOB_BACKOFF_MS × 2^(attempts−1)), so the retried notify job finds the
 * mail due; capped so a long outage still retries a few times a day.
 */
export function mailBackoffMs(baseMs: number, attempts: number): number {
  return Math.min(MAX_MAIL_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempts - 1));
}

/** Is this SMTP error final (5xx), as opposed to a transient outage? */
export function isPermanentSmtpError(e: unknown): boolean {
  const err = e as SmtpError;
  if (typeof err?.responseCode === 'number') return err.responseCode >= 500 && err.responseCode < 600;
  // nodemailer reports "all recipients were rejected" as EENVELOPE with the per-recipient codes
  if (err?.code === 'EENVELOPE' && err.rejectedErrors?.length)
    return err.rejectedErrors.every((r) => (r.responseCode ?? 0) >= 500);
  return false;
}

/** A nodemailer transport for SMTP_URL (no pooling: one connection per notify run). */
export function createMailTransport(smtpUrl: string) {
  return nodemailer.createTransport(smtpUrl);
}

type Transport = ReturnType<typeof createMailTransport>;

async function sendOne(t: Transport, from: string, m: OutboxMail) {
  return t.sendMail({
    from,
    to: m.recipients,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    headers: { 'X-Dvc-Index-Key': m.key },
  });
}

/**
 * Send every mail due at `now`. With no SMTP_URL nothing is tried and the mails stay
 * pending (logged). Throws {@link MailRetryableError} after the pass when any mail must
 * be retried, so the job's own retry/backoff applies.
 */
export async function sendDueMails(
  db: Queryable,
  config: Pick<Config, 'smtpUrl' | 'alertFrom' | 'jobBackoffMs'>,
  log: Logger,
  now: Date,
  transport?: Transport,
): Promise<SendResult> {
  if (config.smtpUrl === '' && transport === undefined) {
    const unsent = await countUnsent(db);
    if (unsent > 0) log.warn({ unsent }, 'SMTP_URL is not set; mails stay in the outbox');
    return { sent: 0, retrying: 0, failedPermanent: 0, skipped: true };
  }
  const t = transport ?? createMailTransport(config.smtpUrl);
  let sent = 0;
  let retrying = 0;
  let failedPermanent = 0;
  let lastError: unknown = null;
  try {
    for (const id of await listDueMails(db, now)) {
      const mail = await claimMail(db, id, now, SEND_LEASE_MS);
      if (!mail) continue; // another worker has it, or it was sent meanwhile
      try {
        const info = await sendOne(t, config.alertFrom, mail);
        const rejected = (info.rejected ?? []).map(String);
        await markSent(
          db,
          mail.id,
          now,
          rejected,
          rejected.length ? `refused: ${rejected.join(', ')}` : null,
        );
        sent++;
        log.info({ outboxId: mail.id, key: mail.key, refused: rejected.length }, 'mail sent');
      } catch (e) {
        const err = e as SmtpError;
        const message = `${err.code ?? 'ERROR'} ${err.responseCode ?? ''} ${err.message}`
          .trim()
          .slice(0, 1000);
        if (isPermanentSmtpError(e)) {
          await markFailedPermanent(db, mail.id, message, (err.rejected ?? mail.recipients).map(String));
          failedPermanent++;
          log.error({ outboxId: mail.id, key: mail.key, err }, 'mail refused for good; not retried');
        } else {
          await markRetry(db, mail.id, now, mailBackoffMs(config.jobBackoffMs, mail.attempts), message);
          retrying++;
          lastError = e;
          log.warn(
            { outboxId: mail.id, key: mail.key, attempts: mail.attempts, err },
            'mail not sent; will retry',
          );
        }
      }
    }
  } finally {
    if (transport === undefined) t.close();
  }
  if (retrying > 0) throw new MailRetryableError(retrying, lastError);
  return { sent, retrying, failedPermanent, skipped: false };
}
