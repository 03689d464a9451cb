import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PortalBlockedError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import {
  checkNoData,
  decideNoData,
  operatorNotifyJobId,
  recordBlockedRun,
  runNoDataCheck,
} from '../../src/notify/operator.js';
import { sendDueMails } from '../../src/notify/send-outbox.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { insertRun } from '../helpers/seed.js';
import { startTestSmtp, type TestSmtp } from './smtp-test-server.js';

let db: TestDatabase;
let smtp: TestSmtp;
const log = createLogger({ logLevel: 'silent' });
let config: ReturnType<typeof loadConfig>;

describe('operator mails', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await startTestSmtp();
    config = loadConfig(
      testEnv({
        SMTP_URL: smtp.url,
        ALERT_TO: 'lanhdao@dienbien.gov.vn',
        ALERT_TO_OPERATOR: 'vanhanh@dienbien.gov.vn',
        PROVINCES: 'H18',
        ALERT_NO_DATA_BY: '09:00',
      }),
    );
  });
  afterAll(async () => {
    await smtp?.close();
    await db?.drop();
  });

  it('a blocked run mails the operator once, with the support id', async () => {
    const error = new PortalBlockedError('WAF block page instead of JSON', {
      url: 'https://dichvucong.gov.vn/api/v1/reporting/evaluation/service-results',
      status: 403,
      kind: 'waf-page',
      supportId: '1234567890123456789',
    });
    const first = await recordBlockedRun(db.pool, config, {
      provinceCode: 'H18',
      reportDate: '2026-11-26',
      error,
    });
    const again = await recordBlockedRun(db.pool, config, {
      provinceCode: 'H18',
      reportDate: '2026-11-26',
      error,
    });
    expect(first.created).toBe(true);
    expect(again).toEqual({ ...first, created: false });
    await sendDueMails(db.pool, config, log, new Date());
    expect(smtp.received).toHaveLength(1);
    const { mail, envelopeTo } = smtp.received[0]!;
    expect(envelopeTo).toEqual(['vanhanh@dienbien.gov.vn']);
    expect(mail.subject).toBe(
      '[dvc-index] Cổng DVC chặn truy cập – UBND tỉnh Điện Biên, số liệu ngày 26/11/2026',
    );
    expect(mail.text).toContain('Mã hỗ trợ (support id): 1234567890123456789.');
    expect(mail.text).toContain('dvc-index circuit close');
    expect(operatorNotifyJobId('blocked', 'H18', '2026-11-26')).toBe(
      'notify-operator-blocked-H18-2026-11-26',
    );
  });

  it('decides the no-data check in the configured time zone', () => {
    // 01:59 UTC = 08:59 in Hà Nội; 02:00 UTC = 09:00
    expect(decideNoData(config, new Date('2026-11-27T01:59:00Z'))).toEqual({
      due: false,
      localDate: '2026-11-27',
      reportDate: '2026-11-26',
    });
    expect(decideNoData(config, new Date('2026-11-27T02:00:00Z')).due).toBe(true);
    // 23:30 UTC on the 26th is already the 27th in Hà Nội
    expect(decideNoData(config, new Date('2026-11-26T23:30:00Z'))).toMatchObject({
      due: false,
      localDate: '2026-11-27',
    });
    expect(decideNoData({ ...config, alertNoDataBy: '' }, new Date('2026-11-27T10:00:00Z')).due).toBe(false);
  });

  it('no finished run by ALERT_NO_DATA_BY: one mail per day, none when the data is there', async () => {
    await db.pool.query('delete from outbox');
    smtp.received.length = 0;
    expect(await checkNoData(db.pool, config, new Date('2026-11-27T01:00:00Z'))).toEqual([]);
    await insertRun(db.pool, {
      provinceCode: 'H18',
      reportDate: '2026-11-26',
      status: 'failed',
      errorMessage: 'timeout',
    });
    const late = await checkNoData(db.pool, config, new Date('2026-11-27T02:30:00Z'));
    expect(late.map((m) => [m.key, m.created])).toEqual([['operator-no-data-H18-2026-11-27', true]]);
    const later = await checkNoData(db.pool, config, new Date('2026-11-27T08:00:00Z'));
    expect(later.map((m) => m.created)).toEqual([false]);
    await sendDueMails(db.pool, config, log, new Date());
    expect(smtp.received.map((r) => r.mail.subject)).toEqual([
      '[dvc-index] Chưa có số liệu ngày 26/11/2026 – UBND tỉnh Điện Biên',
    ]);
    expect(smtp.received[0]?.mail.text).toContain('failed: timeout');
    // the next day the run finished in time: no mail
    await insertRun(db.pool, { provinceCode: 'H18', reportDate: '2026-11-27', status: 'done' });
    expect(await checkNoData(db.pool, config, new Date('2026-11-28T03:00:00Z'))).toEqual([]);
  });

  it('with the process deps (as collect calls it) the mail is written and notify enqueued, once', async () => {
    await db.pool.query('delete from outbox');
    const enqueued: Array<[string, object, string]> = [];
    const deps = {
      pool: db.pool,
      config,
      enqueue: async (q: string, p: object, id: string) => {
        enqueued.push([q, p, id]);
      },
      now: () => new Date('2026-11-29T03:00:00Z'),
    };
    const error = new PortalBlockedError('429', {
      url: 'https://dichvucong.gov.vn/x',
      status: 429,
      kind: 'http-429',
    });
    const info = { runId: '7', provinceCode: 'H18', reportDate: '2026-11-28', error };
    expect((await recordBlockedRun(deps, info)).created).toBe(true);
    expect((await recordBlockedRun(deps, info)).created).toBe(false);
    const mails = await runNoDataCheck(deps);
    expect(mails.map((m) => m.key)).toEqual(['operator-no-data-H18-2026-11-29']);
    await runNoDataCheck(deps);
    expect(enqueued).toEqual([
      ['notify', { reason: 'operator-blocked' }, 'notify-operator-blocked-H18-2026-11-28'],
      ['notify', { reason: 'operator-no-data' }, 'notify-operator-no-data-ALL-2026-11-29'],
    ]);
  });
});
