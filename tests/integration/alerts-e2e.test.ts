/**
 * Falls end to end: the replay portal plays a 12-day scenario (planned falls, recoveries, a
 * null, a gap, a formula change, the province's own fall), the real pipeline collects each
 * day with Chromium, ingests, detects and notifies into a real SMTP server that is down for
 * two runs. Asserts exactly the planned episodes and mails, each mail arriving once; two units
 * with contacts (set after the first day, by code and by accent-free name) receive exactly
 * their own mails (fall, worsening, recovery), once each, across the outage.
 */
import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Pipeline, startPipeline } from '../../src/main.js';
import { resolveUnit } from '../../src/query/units.js';
import type { Scenario } from '../../src/replay/scenario.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { enqueueCollect } from '../../src/schedule/enqueue-collect.js';
import { listAlerts } from '../../src/store/alerts.js';
import { setContacts } from '../../src/store/contacts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis.js';
import { startTestSmtp, type TestSmtp } from '../notify/smtp-test-server.js';

const PROVINCE_ID = '019d2be3-6a85-74ec-a341-16615c474af4';
const ID = {
  health: '00000000-0000-4000-8000-00000000a001',
  finance: '00000000-0000-4000-8000-00000000a002',
  muongPhang: '00000000-0000-4000-8000-00000000a100',
  thanhXuong: '00000000-0000-4000-8000-00000000a101',
};
const RECIPIENTS = ['vanphong@dienbien.gov.vn', 'ttpvhcc@dienbien.gov.vn'];
const HEALTH_CONTACTS = ['ketoan@syt.dienbien.gov.vn', 'vanthu@syt.dienbien.gov.vn'];
const THANH_XUONG_CONTACTS = ['ubnd@thanhxuong.dienbien.gov.vn'];

/**
 * The plan (report dates in November 2026; the 14th is a gap nobody collects):
 * 10 base · 11 Sở Y tế TTTT 7.10→6.50 opens · 12 Mường Phăng MDSH null (no fall) ·
 * 13 Sở Y tế TTTT →6.20 worsens and its TOTAL drops Tốt→Khá · 15 Thanh Xương MDSH 12→11.50
 * opens (compared with the 13th, 2 days apart), Mường Phăng TTTT 6.40→6.00 opens, the
 * province's TTTT 6.60→6.40 opens and its TOTAL falls · 16 Sở Y tế and the province recover ·
 * 17 TTTT max 10→12 for everyone (a new epoch: Mường Phăng's open TTTT episode is closed,
 * not recovered), Sở Tài chính MDSH 15.25→14.50 opens · 18 Thanh Xương recovers ·
 * 19 Thanh Xương MDSH 12→10 flagged provisional (ignored), back to 12 on the 20th · 20 Sở Tài chính →14 worsens · 21 Sở Tài chính recovers, the province's TTTT
 * 6.60→6.00 opens and its TOTAL falls.
 */
const DAYS = ['10', '11', '12', '13', '15', '16', '17', '18', '19', '20', '21'].map((d) => `2026-11-${d}`);
const SMTP_DOWN = new Set(['2026-11-15', '2026-11-16']);

function scenario(): Scenario {
  return {
    version: 1,
    description: 'alerts end to end',
    seed: 11,
    province: { id: PROVINCE_ID, code: 'H18', name: 'UBND tỉnh Điện Biên' },
    units: [
      { id: ID.health, code: 'H18.01', name: 'Sở Y tế - tỉnh Điện Biên', kind: 'agency' },
      { id: ID.finance, code: 'H18.02', name: 'Sở Tài chính - tỉnh Điện Biên', kind: 'agency' },
      { id: ID.muongPhang, code: 'H18.100', name: 'UBND xã Mường Phăng', kind: 'commune', nameForm: 'NFD' },
      { id: ID.thanhXuong, code: 'H18.101', name: 'UBND xã Thanh Xương', kind: 'commune' },
    ],
    base: {
      province: { CKMB: 12, TDGQ: 17, CLGQ: 8.5, TTTT: 6.6, MDSH: 13.2, MDHL: 15 },
      units: {
        'H18.01': {
          CKMB: 14,
          TDGQ: 18,
          CLGQ: 9,
          TTTT: { score: 7.1, paidOnline: 710, withFees: 1000 },
          MDSH: 16,
          MDHL: 16.5,
        },
        'H18.02': { CKMB: 14, TDGQ: 16.5, CLGQ: 9, TTTT: 8, MDSH: 15.25, MDHL: 16 },
        'H18.100': { CKMB: 10, TDGQ: 17.5, CLGQ: 7.9, TTTT: 6.4, MDSH: 9.8, MDHL: 14 },
        'H18.101': { CKMB: 11, TDGQ: 15, CLGQ: 8, TTTT: 5, MDSH: 12, MDHL: 14 },
      },
    },
    days: {
      '2026-11-10': {},
      '2026-11-11': { units: { 'H18.01': { TTTT: { score: 6.5, paidOnline: 650, withFees: 1000 } } } },
      '2026-11-12': { units: { 'H18.100': { MDSH: null } } },
      '2026-11-13': {
        units: {
          'H18.01': { TTTT: { score: 6.2, paidOnline: 620, withFees: 1000 } },
          'H18.100': { MDSH: 9.8 },
        },
      },
      '2026-11-15': { units: { 'H18.101': { MDSH: 11.5 }, 'H18.100': { TTTT: 6 } }, province: { TTTT: 6.4 } },
      '2026-11-16': {
        units: { 'H18.01': { TTTT: { score: 7.1, paidOnline: 710, withFees: 1000 } } },
        province: { TTTT: 6.6 },
      },
      '2026-11-17': { groupMax: { TTTT: 12 }, units: { 'H18.02': { MDSH: 14.5 } } },
      '2026-11-18': { units: { 'H18.101': { MDSH: 12 } } },
      '2026-11-19': {
        units: {
          'H18.101': {
            MDSH: {
              score: 10,
              quality: {
                status: 'TEMP_NATIONAL_REPORT_DENOMINATOR',
                message: 'Mẫu số lấy tạm từ báo cáo quốc gia',
              },
            },
          },
        },
      },
      '2026-11-20': { units: { 'H18.02': { MDSH: 14 }, 'H18.101': { MDSH: { score: 12, quality: null } } } },
      '2026-11-21': { units: { 'H18.02': { MDSH: 15.25 } }, province: { TTTT: 6 } },
    },
  };
}

let db: TestDatabase;
let replay: ReplayPortal;
let smtp: TestSmtp;
let pipeline: Pipeline;
const prefix = uniquePrefix('alerts');
const runStatus: Record<string, string> = {};

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const unitName = (id: string) =>
  ({
    [ID.health]: 'Sở Y tế - tỉnh Điện Biên',
    [ID.finance]: 'Sở Tài chính - tỉnh Điện Biên',
    [ID.muongPhang]: 'UBND xã Mường Phăng',
    [ID.thanhXuong]: 'UBND xã Thanh Xương',
    [PROVINCE_ID]: 'UBND tỉnh Điện Biên',
  })[id] ?? id;

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startTestSmtp();
  replay = await startReplayPortal({ scenario: scenario() }, { port: 0, date: DAYS[0] });
  const config = loadConfig(
    testEnv({
      DATABASE_URL: db.url,
      QUEUE_PREFIX: prefix,
      PORTAL_BASE_URL: replay.url,
      PORTAL_TRANSPORT: 'browser',
      PORTAL_TIMEOUT_MS: '15000',
      PROVINCES: 'H18',
      PERIODS: 'year',
      CRON_SCHEDULE: '0 0 1 1 *',
      CATCH_UP: 'false',
      JOB_ATTEMPTS: '2',
      JOB_BACKOFF_MS: '200',
      MIGRATE_ON_START: 'false',
      SHUTDOWN_TIMEOUT_MS: '8000',
      SMTP_URL: smtp.url,
      ALERT_FROM: 'dvc-index@dienbien.gov.vn',
      ALERT_TO: RECIPIENTS.join(','),
      PUBLIC_URL: 'https://dvc-index.dienbien.gov.vn',
      ALERT_IGNORE_PROVISIONAL: 'true',
    }),
  );
  pipeline = await startPipeline(config, createLogger(config), { scheduler: false, http: false });

  for (const day of DAYS) {
    smtp.setDown(SMTP_DOWN.has(day));
    replay.setDate(day);
    await enqueueCollect(pipeline.deps, { provinceCode: 'H18', reportDate: day, trigger: 'manual' });
    runStatus[day] = await waitFor(`run ${day}`, async () => {
      const r = await db.pool.query(
        `select status from runs where province_code = 'H18' and report_date = $1`,
        [day],
      );
      const s = r.rows[0]?.status as string | undefined;
      if (s === 'blocked') throw new Error(`run ${day} blocked`);
      // a notify that cannot reach SMTP ends its retries with the run done and the mail
      // still pending in the outbox: the day's data is complete, so it is never 'failed'.
      return s === 'done' || s === 'failed' ? s : null;
    });
    if (day === DAYS[0]) {
      // the units exist once the first day is stored: give two of them contacts
      const health = await resolveUnit(db.pool, 'H18.01');
      await setContacts(db.pool, health.id, HEALTH_CONTACTS);
      const thanhXuong = await resolveUnit(db.pool, 'thanh xuong');
      await setContacts(db.pool, thanhXuong.id, THANH_XUONG_CONTACTS);
    }
  }
  // Under load a notify may still be retrying the last mails when the run is over: wait until
  // the outbox is drained and every sent mail has arrived (a double delivery would still show).
  await waitFor('the outbox drained', async () => {
    const r = await db.pool.query(
      `select count(*) filter (where state <> 'sent')::int as left, count(*)::int as n from outbox`,
    );
    return r.rows[0].left === 0 && smtp.received.length >= r.rows[0].n;
  });
}, 400_000);

afterAll(async () => {
  await pipeline?.stop();
  await replay?.close();
  await smtp?.close();
  await deletePrefix(prefix);
  await db?.drop();
});

describe('alerts end to end over 11 collected days', () => {
  it('stores every day but the gap, the null as null', async () => {
    const r = await db.pool.query(`select distinct report_date::text as d from scores order by 1`);
    expect(r.rows.map((x) => x.d)).toEqual(DAYS);
    const nul = await db.pool.query(
      `select score from scores where unit_id = $1 and grp = 'MDSH' and report_date = '2026-11-12' and period_type = 'year'`,
      [ID.muongPhang],
    );
    expect(nul.rows).toEqual([{ score: null }]);
    expect(Object.entries(runStatus).filter(([, s]) => s !== 'done')).toEqual([]);
    const pending = await db.pool.query(
      `select report_date::text as d from runs where summary ? 'mailPending' order by 1`,
    );
    expect(pending.rows.map((x) => x.d)).toEqual([...SMTP_DOWN].sort());
  });

  it('finds exactly the planned episodes', async () => {
    const alerts = await listAlerts(db.pool, { status: 'all' });
    // The province's maxima come from its component answers (the national rows carry none),
    // so its formula change on the 17th is a new epoch too.
    const got = alerts
      .map(
        (a) =>
          `${unitName(a.unitId)} ${a.group} ${a.openedOn} ${a.baseline}→${a.current} worst ${a.worst} max ${a.maxScore} ${a.status}${a.resolution ? `:${a.resolution} ${a.resolvedOn}` : ''}`,
      )
      .sort();
    expect(got).toEqual(
      [
        'Sở Y tế - tỉnh Điện Biên TTTT 2026-11-11 7.1→7.1 worst 6.2 max 10 resolved:recovered 2026-11-16',
        'UBND xã Thanh Xương MDSH 2026-11-15 12→12 worst 11.5 max 22 resolved:recovered 2026-11-18',
        'UBND xã Mường Phăng TTTT 2026-11-15 6.4→6 worst 6 max 10 resolved:new-epoch 2026-11-17',
        'UBND tỉnh Điện Biên TTTT 2026-11-15 6.6→6.6 worst 6.4 max 10 resolved:recovered 2026-11-16',
        'Sở Tài chính - tỉnh Điện Biên MDSH 2026-11-17 15.25→15.25 worst 14 max 22 resolved:recovered 2026-11-21',
        'UBND tỉnh Điện Biên TTTT 2026-11-21 6.6→6 worst 6 max 12 open',
      ].sort(),
    );
    const events = await db.pool.query(
      `select report_date::text as d, kind, unit_id, grp, gap_days from alert_events order by 1, 2, 3, 4`,
    );
    const flags = events.rows.filter((e) => ['band-down', 'province-fall'].includes(e.kind));
    expect(flags.map((e) => `${e.d} ${unitName(e.unit_id)} ${e.kind}`)).toEqual([
      '2026-11-13 Sở Y tế - tỉnh Điện Biên band-down',
      '2026-11-15 UBND tỉnh Điện Biên province-fall',
      '2026-11-21 UBND tỉnh Điện Biên province-fall',
    ]);
    const epochs = events.rows.filter((e) => e.kind === 'new-epoch');
    expect(epochs.map((e) => `${e.d} ${e.grp}`)).toEqual(Array(5).fill('2026-11-17 TTTT'));
    expect(epochs.some((e) => e.unit_id === PROVINCE_ID)).toBe(true);
    // the provisional capture of the 19th was stored with its flag, and raised nothing
    const prov = await db.pool.query(
      `select score, flags from scores where unit_id = $1 and grp = 'MDSH' and report_date = '2026-11-19'`,
      [ID.thanhXuong],
    );
    expect(prov.rows).toEqual([{ score: '10.00', flags: ['TEMP_NATIONAL_REPORT_DENOMINATOR'] }]);
    expect(events.rows.filter((e) => e.d === '2026-11-19')).toEqual([]);
    const acrossGap = events.rows.find((e) => e.unit_id === ID.thanhXuong && e.kind === 'opened');
    expect(acrossGap?.gap_days).toBe(2);
  });

  it('sends one digest per day with news, each exactly once, even across the SMTP outage', async () => {
    const digests = smtp.received.filter((r) => r.envelopeTo.includes(RECIPIENTS[0]!));
    const subjects = digests.map((r) => r.mail.subject);
    expect([...subjects].sort()).toEqual(
      [
        '[dvc-index] UBND tỉnh Điện Biên – số liệu ngày 11/11/2026: 1 giảm mạnh, 0 giảm nhẹ, 0 phục hồi',
        '[dvc-index] UBND tỉnh Điện Biên – số liệu ngày 13/11/2026: 1 giảm mạnh, 0 giảm nhẹ, 0 phục hồi, 1 xuống loại',
        '[dvc-index] UBND tỉnh Điện Biên – số liệu ngày 15/11/2026: 1 giảm mạnh, 2 giảm nhẹ, 0 phục hồi',
        '[dvc-index] UBND tỉnh Điện Biên – số liệu ngày 16/11/2026: 0 giảm mạnh, 0 giảm nhẹ, 2 phục hồi',
        '[dvc-index] UBND tỉnh Điện Biên – số liệu ngày 17/11/2026: 1 giảm mạnh, 0 giảm nhẹ, 0 phục hồi',
        '[dvc-index] UBND tỉnh Điện Biên – số liệu ngày 18/11/2026: 0 giảm mạnh, 0 giảm nhẹ, 1 phục hồi',
        '[dvc-index] UBND tỉnh Điện Biên – số liệu ngày 20/11/2026: 1 giảm mạnh, 0 giảm nhẹ, 0 phục hồi',
        '[dvc-index] UBND tỉnh Điện Biên – số liệu ngày 21/11/2026: 1 giảm mạnh, 0 giảm nhẹ, 1 phục hồi',
      ].sort(),
    );
    // the two digests written while SMTP was down arrived with the next run's notify
    const at = (date: string) => subjects.findIndex((s) => s?.includes(date));
    expect([at('15/11/2026'), at('16/11/2026')].every((i) => i >= 0 && i < at('17/11/2026'))).toBe(true);
    for (const r of digests) expect(r.envelopeTo).toEqual(RECIPIENTS);
    const out = await db.pool.query(
      `select state, count(*)::int as n, max(attempts) as max_attempts from outbox group by 1`,
    );
    expect(out.rows).toHaveLength(1);
    expect(out.rows[0]).toMatchObject({ state: 'sent', n: 8 + 5 });
    expect(out.rows[0].max_attempts).toBeGreaterThan(1);
  });

  it('each unit with contacts receives exactly its own mails, once each, across the outage', async () => {
    const to = (list: string[]) => smtp.received.filter((r) => r.envelopeTo.join() === list.join());
    const health = to(HEALTH_CONTACTS);
    expect(health.map((r) => r.mail.subject)).toEqual([
      '[dvc-index] Sở Y tế - tỉnh Điện Biên – số liệu ngày 11/11/2026: giảm Thanh toán trực tuyến −0,60',
      '[dvc-index] Sở Y tế - tỉnh Điện Biên – số liệu ngày 13/11/2026: giảm thêm Thanh toán trực tuyến −0,30',
      '[dvc-index] Sở Y tế - tỉnh Điện Biên – số liệu ngày 16/11/2026: phục hồi Thanh toán trực tuyến',
    ]);
    const thanhXuong = to(THANH_XUONG_CONTACTS);
    expect(thanhXuong.map((r) => r.mail.subject)).toEqual([
      '[dvc-index] UBND xã Thanh Xương – số liệu ngày 15/11/2026: giảm Số hóa hồ sơ −0,50',
      '[dvc-index] UBND xã Thanh Xương – số liệu ngày 18/11/2026: phục hồi Số hóa hồ sơ',
    ]);
    // nobody else got a unit mail, and every unit mail is exactly one delivery
    expect(smtp.received).toHaveLength(8 + 5);
    const ids = smtp.received.map((r) => r.mail.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    // the 15th's and 16th's were written while SMTP was down and arrived with the 17th's notify
    const at = (subject: string) => smtp.received.findIndex((r) => r.mail.subject === subject);
    const digest17 = smtp.received.findIndex((r) => r.mail.subject?.includes('số liệu ngày 17/11/2026'));
    expect(at(thanhXuong[0]!.mail.subject!)).toBeLessThan(digest17);
    expect(at(health[2]!.mail.subject!)).toBeLessThan(digest17);
    const attempts = await db.pool.query(
      `select idempotency_key, attempts from outbox where kind = 'unit' and report_date in ('2026-11-15', '2026-11-16')`,
    );
    expect(attempts.rows).toHaveLength(2);
    for (const r of attempts.rows) expect(r.attempts).toBeGreaterThan(1);

    // what fell, by how much, why, and the unit's page
    const fall = health[0]!.mail;
    expect(fall.text).toContain('Kính gửi: Sở Y tế - tỉnh Điện Biên');
    expect(fall.text).toContain(
      'Thanh toán trực tuyến (TTTT), năm 2026: giảm mạnh từ 7,10 xuống 6,50 (−0,60 điểm)',
    );
    expect(fall.text).toContain(
      'Nguyên nhân: tỷ lệ thanh toán trực tuyến 71,0% → 65,0%: 650/1.000 hồ sơ có phí được thanh toán trực tuyến',
    );
    expect(fall.text).toContain(`https://dvc-index.dienbien.gov.vn/units/${ID.health}`);
    expect(fall.html).toContain(`href="https://dvc-index.dienbien.gov.vn/units/${ID.health}"`);
    expect(health[1]!.mail.text).toContain(
      'Giảm thêm; mốc trước khi giảm 7,10 (từ ngày 11/11/2026), đã giảm 0,90 điểm',
    );
    expect(health[1]!.mail.text).toContain('Tổng điểm của đơn vị xuống loại: từ Tốt xuống Khá');
    expect(health[2]!.mail.text).toContain('đã phục hồi, 7,10 điểm');
    // no other unit's name in a unit's mail
    for (const r of [...health, ...thanhXuong])
      for (const other of ['Sở Tài chính', 'Mường Phăng', 'UBND tỉnh'])
        expect(r.mail.text).not.toContain(other);
  });

  it("the office's digest says which units were told", async () => {
    const textOf = (date: string) =>
      smtp.received.find((r) => r.envelopeTo.includes(RECIPIENTS[0]!) && r.mail.subject?.includes(date))!.mail
        .text;
    expect(textOf('11/11/2026')).toContain(
      'Đã gửi thư riêng cho 1 đơn vị về điểm của chính đơn vị: Sở Y tế - tỉnh Điện Biên.',
    );
    expect(textOf('15/11/2026')).toContain(
      'Đã gửi thư riêng cho 1 đơn vị về điểm của chính đơn vị: UBND xã Thanh Xương.',
    );
    expect(textOf('17/11/2026')).not.toContain('Đã gửi thư riêng');
  });

  it('the mails carry the rows, reasons, links and diacritics', async () => {
    const mailOf = (date: string) =>
      smtp.received.find((r) => r.envelopeTo.includes(RECIPIENTS[0]!) && r.mail.subject?.includes(date))!
        .mail;
    const m15 = mailOf('15/11/2026');
    const $ = cheerio.load(m15.html || '');
    const rowsAfter = (title: string) =>
      $('h2')
        .filter((_, el) => $(el).text().startsWith(title))
        .next('table')
        .find('tbody tr')
        .toArray()
        .map((tr) =>
          $(tr)
            .find('td')
            .toArray()
            .map((td) => $(td).text().trim()),
        );
    // the one major fall leads (−0,50 = 0,5 points), the province's −0,20 comes last among the minor
    const falls = rowsAfter('Giảm mạnh');
    expect(falls.map((r) => r.slice(0, 4))).toEqual([
      ['UBND xã Thanh XươngH18.101', 'Số hóa hồ sơ (MDSH)năm 2026', '12,00 → 11,50', '−0,50'],
    ]);
    expect(falls[0]?.[4]).toContain('so với ngày 13/11/2026, cách 2 ngày');
    const minor = $('h2')
      .filter((_, el) => $(el).text() === 'Giảm nhẹ (2)')
      .next('ul')
      .find('li')
      .toArray()
      .map((li) => $(li).text());
    expect(minor).toEqual([
      'UBND xã Mường Phăng (H18.100) – TTTT năm 2026: 6,40 → 6,00 (−0,40; giảm mới; 4,0% thang điểm)',
      'UBND tỉnh Điện Biên (toàn tỉnh) (H18) – TTTT năm 2026: 6,60 → 6,40 (−0,20; giảm mới; 2,0% thang điểm)',
    ]);
    expect(rowsAfter('Vẫn đang giảm').map((r) => r[0])).toEqual(['Sở Y tế - tỉnh Điện BiênH18.01']);
    expect(m15.text).toContain('Cảnh báo: tổng điểm của toàn tỉnh giảm 0,20 điểm');
    expect(m15.html).toContain(`https://dvc-index.dienbien.gov.vn/units/${ID.thanhXuong}`);
    expect(m15.html).toContain(`${replay.url}/danh-gia-chat-luong-phuc-vu`);

    const m11 = mailOf('11/11/2026');
    expect(m11.text).toContain(
      'tỷ lệ thanh toán trực tuyến 71,0% → 65,0%: 650/1.000 hồ sơ có phí được thanh toán trực tuyến',
    );
    const m13 = mailOf('13/11/2026');
    expect(m13.text).toContain(
      'Xuống loại: Sở Y tế - tỉnh Điện Biên từ Tốt xuống Khá (tổng điểm 80,00 → 79,70',
    );
    const m17 = mailOf('17/11/2026');
    expect(m17.text).toContain('thang điểm đổi từ 10,00 sang 12,00 (đổi cách tính)');
    expect(m17.text).toContain(
      'UBND xã Mường Phăng, Thanh toán trực tuyến (TTTT): đợt giảm từ 15/11/2026 được đóng vì thang điểm đã thay đổi.',
    );
    const m16 = mailOf('16/11/2026');
    expect(
      cheerio
        .load(m16.html || '')('h2')
        .first()
        .next('p')
        .text(),
    ).toBe('Không có đơn vị giảm mạnh.');
  });
});
