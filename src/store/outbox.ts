/**
 * The e-mail outbox: every mail is written here first (idempotency key unique), and the
 * notify stage claims, sends and marks it. A `sending` claim carries a lease, so two
 * workers can never both send the same mail; a worker that died mid-send loses its claim
 * when the lease runs out.
 */
import type { IsoDate } from '../domain.js';
import type { Queryable } from './db.js';

export type MailKind = 'digest' | 'operator' | 'unit' | 'weekly';
export type MailState = 'pending' | 'sending' | 'sent' | 'failed-permanent';

export interface NewMail {
  /** Unique per mail, e.g. `digest-H18-2026-11-26`; a second insert with it is a no-op. */
  readonly key: string;
  readonly kind: MailKind;
  readonly provinceCode?: string | null;
  readonly reportDate?: IsoDate | null;
  readonly runId?: string | null;
  readonly recipients: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The Message-ID header, derived from the key so a resend would carry the same id. */
  readonly messageId: string;
}

export interface OutboxMail {
  readonly id: string;
  readonly key: string;
  readonly kind: MailKind;
  readonly recipients: string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly state: MailState;
  readonly attempts: number;
  readonly messageId: string;
}

/** Insert a mail unless one with the same key exists. Returns its id and whether it is new. */
export async function insertMail(db: Queryable, m: NewMail): Promise<{ id: string; created: boolean }> {
  const r = await db.query(
    `insert into outbox (idempotency_key, kind, province_code, report_date, run_id, recipients, subject,
                         text_body, html_body, message_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (idempotency_key) do nothing
     returning id::text`,
    [
      m.key,
      m.kind,
      m.provinceCode ?? null,
      m.reportDate ?? null,
      m.runId ?? null,
      m.recipients,
      m.subject,
      m.text,
      m.html,
      m.messageId,
    ],
  );
  if (r.rows[0]) return { id: r.rows[0].id, created: true };
  const e = await db.query('select id::text from outbox where idempotency_key = $1', [m.key]);
  return { id: e.rows[0].id, created: false };
}

/** Ids of mails due now: pending and past their next attempt, or `sending` with an expired lease. */
export async function listDueMails(db: Queryable, now: Date, limit = 100): Promise<string[]> {
  const r = await db.query(
    `select id::text from outbox
      where (state = 'pending' and next_attempt_at <= $1) or (state = 'sending' and lease_until < $1)
      order by id limit $2`,
    [now, limit],
  );
  return r.rows.map((x) => x.id);
}

/**
 * Take the mail for sending if it is still due: an atomic state change, so of two workers
 * only one gets the row. Returns null when someone else has it or it is done.
 */
export async function claimMail(
  db: Queryable,
  id: string,
  now: Date,
  leaseMs: number,
): Promise<OutboxMail | null> {
  const r = await db.query(
    `update outbox set state = 'sending', attempts = attempts + 1, lease_until = $2::timestamptz + make_interval(secs => $3)
      where id = $1 and ((state = 'pending' and next_attempt_at <= $2) or (state = 'sending' and lease_until < $2))
      returning id::text, idempotency_key, kind, recipients, subject, text_body, html_body, state, attempts, message_id`,
    [id, now, leaseMs / 1000],
  );
  const x = r.rows[0];
  if (!x) return null;
  return {
    id: x.id,
    key: x.idempotency_key,
    kind: x.kind,
    recipients: x.recipients,
    subject: x.subject,
    text: x.text_body,
    html: x.html_body,
    state: x.state,
    attempts: x.attempts,
    messageId: x.message_id,
  };
}

export async function markSent(
  db: Queryable,
  id: string,
  at: Date,
  rejected: readonly string[],
  lastError: string | null,
): Promise<void> {
  await db.query(
    `update outbox set state = 'sent', sent_at = $2, lease_until = null, rejected = $3, last_error = $4
      where id = $1 and state = 'sending'`,
    [id, at, rejected, lastError],
  );
}

/** Back to pending, to be tried again after `delayMs`. */
export async function markRetry(
  db: Queryable,
  id: string,
  now: Date,
  delayMs: number,
  error: string,
): Promise<void> {
  await db.query(
    `update outbox set state = 'pending', lease_until = null, last_error = $3,
            next_attempt_at = $2::timestamptz + make_interval(secs => $4)
      where id = $1 and state = 'sending'`,
    [id, now, error, delayMs / 1000],
  );
}

/** The server refused for good (5xx): recorded, never retried. */
export async function markFailedPermanent(
  db: Queryable,
  id: string,
  error: string,
  rejected: readonly string[],
): Promise<void> {
  await db.query(
    `update outbox set state = 'failed-permanent', lease_until = null, last_error = $2, rejected = $3
      where id = $1 and state = 'sending'`,
    [id, error, rejected],
  );
}

/** How many mails wait (pending or being sent). */
export async function countUnsent(db: Queryable): Promise<number> {
  const r = await db.query(`select count(*)::int as n from outbox where state in ('pending', 'sending')`);
  return r.rows[0].n;
}
