/**
 * The outbox against a real SMTP server: delivery, outage and retry without duplicates,
 * permanent refusals, concurrent workers, no SMTP_URL.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { notify } from '../../jobs/notify.js';
import { loadConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import {
  isPermanentSmtpError,
  MAX_MAIL_BACKOFF_MS,
  MailRetryableError,
  mailBackoffMs,
  sendDueMails,
} from '../../src/notify/send-outbox.js';
import { insertMail } from '../../src/store/outbox.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { startTestSmtp, type TestSmtp } from './smtp-test-server.js';

let db: TestDatabase;
let smtp: TestSmtp | null = null;
const T0 = new Date('2026-11-27T00:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
const log = createLogger({ logLevel: 'silent' });

const configFor = (url: string) =>
  loadConfig(testEnv({ SMTP_URL: url, ALERT_FROM: 'dvc-index@dienbien.gov.vn', JOB_BACKOFF_MS: '60000' }));

let n = 0;
async function addMail(recipients: string[] = ['vanphong@dienbien.gov.vn']) {
  n++;
  const key = `test-${n}`;
  await insertMail(db.pool, {
    key,
    kind: 'digest',
    recipients,
    subject: `Thư số ${n} – Số hóa hồ sơ`,
    text: `Nội dung ${n}: Thanh toán trực tuyến`,
    html: `<p>Nội dung ${n}: Thanh toán trực tuyến</p>`,
    messageId: `<${key}@dienbien.gov.vn>`,
  });
  return key;
}

async function states() {
  const r = await db.pool.query(
    'select idempotency_key as key, state, attempts, rejected from outbox order by id',
  );
  return r.rows;
}

describe('sendDueMails', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await smtp?.close();
    smtp = null;
    await db.pool.query('delete from outbox');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('sends each due mail once with its subject, body, recipients and Message-ID', async () => {
    smtp = await startTestSmtp();
    const key = await addMail(['vanphong@dienbien.gov.vn', 'ttpvhcc@dienbien.gov.vn']);
    const res = await sendDueMails(db.pool, configFor(smtp.url), log, T0);
    expect(res).toMatchObject({ sent: 1, retrying: 0, failedPermanent: 0 });
    expect(smtp.received).toHaveLength(1);
    const { mail, envelopeTo } = smtp.received[0]!;
    expect(envelopeTo).toEqual(['vanphong@dienbien.gov.vn', 'ttpvhcc@dienbien.gov.vn']);
    expect(mail.subject).toBe('Thư số 1 – Số hóa hồ sơ');
    expect(mail.text?.trim()).toBe('Nội dung 1: Thanh toán trực tuyến');
    expect(mail.messageId).toBe(`<${key}@dienbien.gov.vn>`);
    expect(mail.from?.text).toBe('dvc-index@dienbien.gov.vn');
    expect(await states()).toEqual([{ key, state: 'sent', attempts: 1, rejected: [] }]);
    // a second pass (a retried job) sends nothing
    await sendDueMails(db.pool, configFor(smtp.url), log, minutes(60));
    expect(smtp.received).toHaveLength(1);
  });

  it('SMTP down for two runs, then back: every mail arrives exactly once', async () => {
    smtp = await startTestSmtp();
    smtp.setDown(true);
    const config = configFor(smtp.url);
    await addMail();
    await expect(sendDueMails(db.pool, config, log, minutes(0))).rejects.toBeInstanceOf(MailRetryableError);
    await addMail();
    // the first mail is not due yet (backoff), the second one is tried and fails
    await expect(sendDueMails(db.pool, config, log, minutes(0.5))).rejects.toBeInstanceOf(MailRetryableError);
    expect((await states()).map((s) => [s.state, s.attempts])).toEqual([
      ['pending', 1],
      ['pending', 1],
    ]);
    await expect(sendDueMails(db.pool, config, log, minutes(2))).rejects.toBeInstanceOf(MailRetryableError);
    expect(smtp.received).toHaveLength(0);
    smtp.setDown(false);
    // before the backoff has passed nothing is sent, afterwards both are
    expect((await sendDueMails(db.pool, config, log, minutes(2.5))).sent).toBe(0);
    expect((await sendDueMails(db.pool, config, log, minutes(10))).sent).toBe(2);
    expect((await sendDueMails(db.pool, config, log, minutes(20))).sent).toBe(0);
    expect(smtp.received.map((r) => r.mail.subject)).toEqual([
      'Thư số 2 – Số hóa hồ sơ',
      'Thư số 3 – Số hóa hồ sơ',
    ]);
    expect((await states()).every((s) => s.state === 'sent')).toBe(true);
  });

  it('a closed port is an outage too: the mail stays pending', async () => {
    const probe = await startTestSmtp();
    const url = probe.url;
    await probe.close();
    await addMail();
    await expect(sendDueMails(db.pool, configFor(url), log, T0)).rejects.toBeInstanceOf(MailRetryableError);
    expect((await states())[0]).toMatchObject({ state: 'pending', attempts: 1 });
  });

  it('a 550 recipient is recorded failed-permanent and never retried; others still get theirs', async () => {
    smtp = await startTestSmtp({ rejectRecipients: ['khongton@dienbien.gov.vn'] });
    const config = configFor(smtp.url);
    const bad = await addMail(['khongton@dienbien.gov.vn']);
    const mixed = await addMail(['khongton@dienbien.gov.vn', 'vanphong@dienbien.gov.vn']);
    const res = await sendDueMails(db.pool, config, log, T0);
    expect(res).toMatchObject({ sent: 1, failedPermanent: 1, retrying: 0 });
    await sendDueMails(db.pool, config, log, minutes(24 * 60));
    const s = await states();
    expect(s).toEqual([
      { key: bad, state: 'failed-permanent', attempts: 1, rejected: ['khongton@dienbien.gov.vn'] },
      { key: mixed, state: 'sent', attempts: 1, rejected: ['khongton@dienbien.gov.vn'] },
    ]);
    expect(smtp.received.map((r) => r.envelopeTo)).toEqual([['vanphong@dienbien.gov.vn']]);
  });

  it('two workers at once never send the same mail twice', async () => {
    smtp = await startTestSmtp();
    const config = configFor(smtp.url);
    for (let i = 0; i < 6; i++) await addMail();
    const [a, b] = await Promise.all([
      sendDueMails(db.pool, config, log, T0),
      sendDueMails(db.pool, config, log, T0),
    ]);
    expect(a.sent + b.sent).toBe(6);
    expect(smtp.received).toHaveLength(6);
    expect(new Set(smtp.received.map((r) => r.mail.messageId)).size).toBe(6);
  });

  it('without SMTP_URL mails stay pending; the notify job throws a retryable error while SMTP is down', async () => {
    await addMail();
    const res = await sendDueMails(db.pool, loadConfig(testEnv({ SMTP_URL: '' })), log, T0);
    expect(res.skipped).toBe(true);
    expect((await states())[0]).toMatchObject({ state: 'pending', attempts: 0 });
    smtp = await startTestSmtp();
    smtp.setDown(true);
    const deps = {
      config: configFor(smtp.url),
      log,
      pool: db.pool,
      portal: {} as Deps['portal'],
      enqueue: async () => undefined,
      now: () => T0,
    } as Deps;
    await expect(notify({ runId: '1' }, deps)).rejects.toBeInstanceOf(MailRetryableError);
    smtp.setDown(false);
    await notify({ runId: '1' }, { ...deps, now: () => minutes(30) });
    expect(smtp.received).toHaveLength(1);
  });
});

describe('mail retry rules', () => {
  it('backs off like the queue (base × 2^(n−1)), capped', () => {
    expect([1, 2, 3, 4].map((n) => mailBackoffMs(60_000, n))).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(mailBackoffMs(60_000, 30)).toBe(MAX_MAIL_BACKOFF_MS);
  });

  it('treats 5xx as final and everything else as an outage', () => {
    expect(isPermanentSmtpError({ code: 'EENVELOPE', responseCode: 550 })).toBe(true);
    expect(isPermanentSmtpError({ code: 'EMESSAGE', responseCode: 554 })).toBe(true);
    expect(isPermanentSmtpError({ code: 'EENVELOPE', rejectedErrors: [{ responseCode: 550 }] })).toBe(true);
    expect(isPermanentSmtpError({ code: 'EENVELOPE', rejectedErrors: [{ responseCode: 450 }] })).toBe(false);
    expect(isPermanentSmtpError({ code: 'EPROTOCOL', responseCode: 421 })).toBe(false);
    expect(isPermanentSmtpError({ code: 'ECONNECTION' })).toBe(false);
    expect(isPermanentSmtpError(new Error('boom'))).toBe(false);
  });
});
