/**
 * Unit mails through detect on a real PostgreSQL: a unit with contacts gets one mail per
 * report date with its own falls or recoveries, written once however often detect runs;
 * units without contacts get none; ALERT_UNIT_MAILS=off writes none and the digest names nobody.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runDetect } from '../../jobs/detect.js';
import { loadConfig } from '../../src/config.js';
import type { GroupCode } from '../../src/domain.js';
import { createLogger } from '../../src/logger.js';
import { setContacts } from '../../src/store/contacts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { makeProvince, type SeedUnit, seedHistory } from '../helpers/seed.js';

const BASE: Record<GroupCode, number> = { CKMB: 15, TDGQ: 18, CLGQ: 10, TTTT: 7, MDSH: 15, MDHL: 15.5 };
const probe = makeProvince({ agencies: 2, communes: 2 });
const a0 = probe.agencies[0]!;
const a1 = probe.agencies[1]!;
const c0 = probe.communes[0]!;

/** a0 TTTT falls on day 1, worsens on day 2, recovers on day 4; a1 (no contacts) and c0 MDSH fall on day 2. */
function value(u: SeedUnit, g: GroupCode, day: number): number | null {
  if (u.id === a0.id && g === 'TTTT') return [7, 6.5, 6, 6.1, 7][day] ?? null;
  if ((u.id === a1.id || u.id === c0.id) && g === 'MDSH') return day >= 2 ? 14 : 15;
  return BASE[g];
}

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

async function setup(env: Record<string, string>) {
  db = await createTestDatabase();
  const h = await seedHistory(db.pool, { from: '2026-11-01', days: 5, agencies: 2, communes: 2, value });
  await setContacts(db.pool, a0.id, ['ketoan@a0.gov.vn', 'it@a0.gov.vn']);
  await setContacts(db.pool, c0.id, ['ubnd@c0.gov.vn']);
  const config = loadConfig(testEnv({ DATABASE_URL: db.url, ALERT_TO: 'vanphong@dienbien.gov.vn', ...env }));
  const detectAll = async () => {
    for (const d of h.dates)
      await runDetect(db!.pool, config, createLogger(config), {
        provinceCode: 'H18',
        reportDate: d,
        runId: null,
      });
  };
  return { h, config, detectAll };
}

const unitMails = async () =>
  (
    await db!.pool.query(
      `select idempotency_key as key, recipients, subject from outbox where kind = 'unit' order by report_date, idempotency_key`,
    )
  ).rows;

describe('unit mails', () => {
  it('one mail per unit with contacts and report date with its own events, written once', async () => {
    const { h, config, detectAll } = await setup({});
    await detectAll();
    const first = await unitMails();
    await detectAll();
    // an earlier date again, after later ones
    await runDetect(db!.pool, config, createLogger(config), {
      provinceCode: 'H18',
      reportDate: h.dates[1]!,
      runId: null,
    });
    expect(await unitMails()).toEqual(first);
    expect(
      first.map((m) => `${m.key.replace(a0.id, 'a0').replace(c0.id, 'c0')} ${m.recipients.join(',')}`),
    ).toEqual([
      'unit-H18-a0-2026-11-02 it@a0.gov.vn,ketoan@a0.gov.vn',
      'unit-H18-a0-2026-11-03 it@a0.gov.vn,ketoan@a0.gov.vn',
      'unit-H18-c0-2026-11-03 ubnd@c0.gov.vn',
      'unit-H18-a0-2026-11-05 it@a0.gov.vn,ketoan@a0.gov.vn',
    ]);
    expect(first.map((m) => m.subject.split(': ')[1])).toEqual([
      'giảm Thanh toán trực tuyến −0,50',
      'giảm thêm Thanh toán trực tuyến −0,50',
      'giảm Số hóa hồ sơ −1,00',
      'phục hồi Thanh toán trực tuyến',
    ]);
    // a1 fell too, but has no contacts; the office's digest of the 3rd names the two told
    const digest = await db!.pool.query(
      `select text_body from outbox where idempotency_key = 'digest-H18-2026-11-03'`,
    );
    expect(digest.rows[0].text_body).toContain(
      `Đã gửi thư riêng cho 2 đơn vị về điểm của chính đơn vị: ${a0.name}; ${c0.name}.`,
    );
    expect(digest.rows[0].text_body).not.toContain(`${a1.name}.`);
  });

  it('ALERT_UNIT_MAILS=off writes none and the digest names nobody', async () => {
    const { detectAll } = await setup({ ALERT_UNIT_MAILS: 'off' });
    await detectAll();
    expect(await unitMails()).toEqual([]);
    const digests = await db!.pool.query(`select text_body from outbox where kind = 'digest'`);
    expect(digests.rows.length).toBeGreaterThan(0);
    for (const d of digests.rows) expect(d.text_body).not.toContain('Đã gửi thư riêng');
  });
});
