/**
 * The weekly follow-up mail from a real PostgreSQL after detect: the reference date and the
 * week before it, the lowest units with their week's change and gap to target, episodes open
 * for more than 7 days (and not the younger ones), classification moves up and down, the
 * province's rank, the week's minor falls with ALERT_MINOR=weekly; written once per local day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDetect } from '../../jobs/detect.js';
import { scheduleTable } from '../../jobs/schedule.js';
import { loadConfig } from '../../src/config.js';
import type { GroupCode } from '../../src/domain.js';
import { createLogger } from '../../src/logger.js';
import { runWeeklyDigest } from '../../src/notify/queue-weekly.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { makeProvince, type SeedUnit, seedHistory } from '../helpers/seed.js';

const BASE: Record<GroupCode, number> = { CKMB: 15, TDGQ: 18, CLGQ: 10, TTTT: 7, MDSH: 15, MDHL: 15.5 }; // 80.5 Tốt
const p = makeProvince({ agencies: 3, communes: 3 });
const [a0, a1] = p.agencies as [SeedUnit, SeedUnit];
const [c0, c1] = p.communes as [SeedUnit, SeedUnit];

/** Day 0 = 2026-11-01 … day 14 = 2026-11-15. */
function value(u: SeedUnit, g: GroupCode, day: number): number | null {
  if (u.id === a0.id && g === 'TTTT') return day < 4 ? 7 : 6; // falls on 05/11, stays down
  if (u.id === c0.id && g === 'MDSH') return day < 12 ? 15 : 14.8; // falls on 13/11 (minor, young)
  if (u.id === a1.id && g === 'MDHL') return day < 10 ? 5.5 : 15.5; // 70,5 Khá → 80,5 Tốt
  if (u.id === c1.id && g === 'CLGQ') return day < 11 ? 10 : 5; // 80,5 Tốt → 75,5 Khá
  return BASE[g];
}

let db: TestDatabase;
const enqueued: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const h = await seedHistory(db.pool, { from: '2026-11-01', days: 15, agencies: 3, communes: 3, value });
  const config = loadConfig(testEnv({ DATABASE_URL: db.url, ALERT_TO: 'vanphong@dienbien.gov.vn' }));
  for (const d of h.dates)
    await runDetect(db.pool, config, createLogger(config), {
      provinceCode: 'H18',
      reportDate: d,
      runId: null,
    });
});
afterAll(async () => {
  await db?.drop();
});

async function weekly(env: Record<string, string>, nowIso: string) {
  const config = loadConfig(
    testEnv({
      DATABASE_URL: db.url,
      ALERT_TO: 'vanphong@dienbien.gov.vn',
      PROVINCES: 'H18',
      ALERT_TARGETS: 'TTTT:6.5',
      ...env,
    }),
  );
  return runWeeklyDigest({
    pool: db.pool,
    config,
    log: createLogger(config),
    now: () => new Date(nowIso),
    enqueue: async (_q, _payload, jobId) => {
      enqueued.push(jobId);
    },
  });
}

describe('weekly follow-up mail', () => {
  it('is on the schedule on Monday 07:30 in TZ by default, off when WEEKLY_DIGEST is empty', () => {
    const on = scheduleTable(loadConfig(testEnv()));
    expect(on.find((e) => e.name === 'weekly-digest')).toEqual({
      name: 'weekly-digest',
      cron: '30 7 * * 1',
      timeZone: 'Asia/Ho_Chi_Minh',
      queue: 'notify',
    });
    expect(scheduleTable(loadConfig(testEnv({ WEEKLY_DIGEST: '' }))).map((e) => e.name)).not.toContain(
      'weekly-digest',
    );
  });

  it('says what the office follows up, once per local day', async () => {
    // Monday 16/11/2026 07:30 in Hanoi time = 00:30 UTC: the latest data is of the 15th
    const [w] = await weekly({ ALERT_MINOR: 'weekly' }, '2026-11-16T00:30:00Z');
    expect(w).toMatchObject({ key: 'weekly-H18-2026-11-16', reportDate: '2026-11-15', created: true });
    const again = await weekly({ ALERT_MINOR: 'weekly' }, '2026-11-16T03:00:00Z');
    expect(again[0]?.created).toBe(false);
    expect(enqueued).toEqual(['notify-weekly-ALL-2026-11-16']);
    const rows = await db.pool.query(
      `select kind, recipients, subject, text_body, html_body, report_date::text as d from outbox where kind = 'weekly'`,
    );
    expect(rows.rows).toHaveLength(1);
    const m = rows.rows[0];
    expect(m.recipients).toEqual(['vanphong@dienbien.gov.vn']);
    expect(m.subject).toBe(
      '[dvc-index] UBND tỉnh Điện Biên – theo dõi hằng tuần, số liệu ngày 15/11/2026: hạng 20/34, 1 đợt giảm quá 7 ngày, 1 lên loại, 1 xuống loại',
    );
    const text: string = m.text_body;
    expect(text).toContain('Số liệu ngày 15/11/2026, so với ngày 08/11/2026');
    expect(text).toMatch(
      /Tổng điểm của tỉnh: [\d,]+\/100 \(\S+\), xếp hạng 20\/34; tuần trước \(08\/11\/2026\) [\d,]+, hạng 20\/34 – [+−]?[\d,]+ điểm, giữ nguyên hạng\./,
    );
    // the lowest TTTT is Sở Y tế at 6,00, unchanged over the week, 0,50 short of its 6,50 target
    const lines = text.split('\n');
    const ttttAt = lines.findIndex((l) => l.endsWith('(TTTT), NĂM 2026'));
    const tttt = lines.slice(ttttAt).join('\n');
    expect(tttt.split('\n')[1]).toBe(
      `- 1 | ${a0.name} | Điểm: 6,00/10,00 | Thay đổi trong tuần: 0,00 | So với chỉ tiêu: thiếu 0,50 (chỉ tiêu 6,50)`,
    );
    expect(tttt.split('\n')[2]).toContain(
      'Điểm: 7,00/10,00 | Thay đổi trong tuần: 0,00 | So với chỉ tiêu: đạt (6,50)',
    );
    // the MDSH list shows c0's week: 15 → 14,80
    expect(text).toContain(`- 1 | ${c0.name} | Điểm: 14,80/22,00 | Thay đổi trong tuần: −0,20`);
    // open 10 days: listed; c0's 2-day episode: not
    const longOpen = text.slice(text.indexOf('ĐỢT GIẢM KÉO DÀI'), text.indexOf('LÊN LOẠI'));
    expect(longOpen).toContain(`- ${a0.name} | Thanh toán trực tuyến (TTTT) | Mốc → hiện tại: 7,00 → 6,00`);
    expect(longOpen).toContain('Từ ngày: 05/11/2026 (10 ngày) | Mức độ: giảm mạnh');
    expect(longOpen).not.toContain(c0.name);
    expect(text).toContain(
      `LÊN LOẠI TRONG TUẦN – BIỂU DƯƠNG (1)\n- ${a1.name}: Khá → Tốt (tổng điểm 70,50 → 80,50)`,
    );
    expect(text).toContain(
      `XUỐNG LOẠI TRONG TUẦN – CẦN CHẤN CHỈNH (1)\n- ${c1.name}: Tốt → Khá (tổng điểm 80,50 → 75,50)`,
    );
    // ALERT_MINOR=weekly: the week's minor falls are here (c0's −0,20 on the 13th)
    expect(text).toContain(
      `GIẢM NHẸ TRONG TUẦN (1)\n- 13/11/2026 – ${c0.name} (${c0.code}), MDSH: 15,00 → 14,80`,
    );
    expect(m.html_body).toContain(
      '<h2 style="font-size:16px;margin:18px 0 6px">Lên loại trong tuần – biểu dương (1)</h2>',
    );
    expect(m.html_body).toContain(`/units/${a0.id}`);
  });

  it('writes nothing before any data, and a new mail on another day', async () => {
    const before = await weekly({}, '2026-10-26T00:30:00Z');
    expect(before[0]).toMatchObject({ reportDate: null, created: false });
    const next = await weekly({}, '2026-11-23T00:30:00Z');
    expect(next[0]).toMatchObject({ key: 'weekly-H18-2026-11-23', reportDate: '2026-11-15', created: true });
    // without ALERT_MINOR=weekly there is no minor-falls section
    const r = await db.pool.query(
      `select text_body from outbox where idempotency_key = 'weekly-H18-2026-11-23'`,
    );
    expect(r.rows[0].text_body).not.toContain('GIẢM NHẸ TRONG TUẦN');
  });
});
