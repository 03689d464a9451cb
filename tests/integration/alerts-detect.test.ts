/**
 * detect over stored scores on a real PostgreSQL: the planned episodes and events, one
 * digest per day with something to say, and idempotency (twice, out of order, re-ingest).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detect, runDetect } from '../../jobs/detect.js';
import { runAlerts } from '../../src/cli/commands/alerts.js';
import { loadConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import { addDays, type GroupCode } from '../../src/domain.js';
import { InputError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { insertScores, type SeededHistory, type SeedUnit, seedHistory } from '../helpers/seed.js';

const FROM = '2026-11-01';
const BASE: Record<GroupCode, number> = { CKMB: 15, TDGQ: 18, CLGQ: 10, TTTT: 7, MDSH: 15, MDHL: 15.5 }; // TOTAL 80.5 (Tốt)
const config = loadConfig(testEnv({ ALERT_TO: 'vanphong@dienbien.gov.vn, ttpvhcc@dienbien.gov.vn' }));
const log = createLogger(config);
let db: TestDatabase;
let h: SeededHistory;
let a0: SeedUnit;
let c0: SeedUnit;

/** Planned values by day index (0 = 2026-11-01); index 6 (2026-11-07) is a gap: nothing stored. */
function value(u: SeedUnit, g: GroupCode, day: number): number | null {
  if (u.id === a0.id && g === 'TTTT') return [7, 7, 7, 6.5, 6.2, 6.2, null, 7][day] ?? null;
  if (u.id === c0.id && g === 'MDSH') return day >= 2 && day <= 4 ? null : day >= 5 ? 14 : 15;
  if (u.kind === 'province' && g === 'TTTT') return day === 5 ? 6.9 : 7;
  return BASE[g];
}

async function snapshot() {
  const alerts = await db.pool.query(
    `select unit_id, grp, period_type, period_year, period_number, max_score, status, resolution, opened_on::text,
            baseline, current, worst, last_seen_on::text, resolved_on::text, reasons
       from alerts order by unit_id, grp, opened_on`,
  );
  const events = await db.pool.query(
    `select e.report_date::text, e.kind, e.unit_id, e.grp, e.before, e.after, e.compared_on::text, e.gap_days, e.detail,
            a.opened_on::text as alert_opened
       from alert_events e left join alerts a on a.id = e.alert_id order by 1, 3, 4, 2`,
  );
  const outbox = await db.pool.query(
    'select idempotency_key, subject, text_body, html_body from outbox order by id',
  );
  return { alerts: alerts.rows, events: events.rows, outbox: outbox.rows };
}

const label = (id: string) => (id === a0.id ? 'a0' : id === c0.id ? 'c0' : id === h.province.id ? 'P' : id);

describe('detect on stored scores', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    const probe = (await import('../helpers/seed.js')).makeProvince({ agencies: 2, communes: 2 });
    a0 = probe.agencies[0]!;
    c0 = probe.communes[0]!;
    h = await seedHistory(db.pool, { from: FROM, days: 8, agencies: 2, communes: 2, gapDays: [6], value });
    for (const d of h.dates)
      await runDetect(db.pool, config, log, { provinceCode: 'H18', reportDate: d, runId: null });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('finds exactly the planned events', async () => {
    const { events } = await snapshot();
    const got = events.map((e) => `${e.report_date.slice(8)} ${label(e.unit_id)} ${e.grp} ${e.kind}`).sort();
    expect(got).toEqual(
      [
        '04 a0 TTTT opened',
        '05 a0 TOTAL band-down',
        '05 a0 TTTT worsened',
        '06 P TOTAL province-fall',
        '06 P TTTT opened',
        '06 c0 MDSH opened',
        '06 c0 TOTAL band-down',
        '08 P TTTT recovered',
        '08 a0 TTTT recovered',
      ].sort(),
    );
    const opened = events.find((e) => label(e.unit_id) === 'c0' && e.kind === 'opened');
    expect(opened).toMatchObject({ before: '15.00', after: '14.00', compared_on: '2026-11-02', gap_days: 4 });
    const recovered = events.find((e) => label(e.unit_id) === 'a0' && e.kind === 'recovered');
    expect(recovered).toMatchObject({ compared_on: '2026-11-06', gap_days: 2, alert_opened: '2026-11-04' });
    const band = events.find((e) => e.kind === 'band-down' && label(e.unit_id) === 'a0');
    expect(band?.detail).toEqual({ fromBand: 'Tốt', toBand: 'Khá' });
  });

  it('stores the episodes with baseline, worst, current and why it fell', async () => {
    const { alerts } = await snapshot();
    expect(
      alerts.map((a) => [
        label(a.unit_id),
        a.grp,
        a.status,
        a.opened_on,
        a.baseline,
        a.worst,
        a.current,
        a.resolved_on,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['a0', 'TTTT', 'resolved', '2026-11-04', '7.00', '6.20', '7.00', '2026-11-08'],
        ['c0', 'MDSH', 'open', '2026-11-06', '15.00', '14.00', '14.00', null],
        ['P', 'TTTT', 'resolved', '2026-11-06', '7.00', '6.90', '7.00', '2026-11-08'],
      ]),
    );
    expect(alerts).toHaveLength(3);
    const a = alerts.find((x) => label(x.unit_id) === 'a0');
    expect(a.reasons[0].code).toBe('ONLINE_PAYMENT_DOSSIERS');
    expect(new Set(a.reasons.map((r: { code: string }) => r.code)).size).toBe(a.reasons.length);
    expect(a.reasons[0].text).toMatch(
      /^tỷ lệ thanh toán trực tuyến \d+,\d% → \d+,\d%: [\d.]+\/[\d.]+ hồ sơ có phí/,
    );
  });

  it('writes one digest per day with something to say', async () => {
    const { outbox } = await snapshot();
    expect(outbox.map((m) => m.idempotency_key)).toEqual([
      'digest-H18-2026-11-04',
      'digest-H18-2026-11-05',
      'digest-H18-2026-11-06',
      'digest-H18-2026-11-08',
    ]);
    expect(outbox[2].subject).toBe(
      '[dvc-index] UBND tỉnh Điện Biên – số liệu ngày 06/11/2026: 1 giảm mạnh, 1 giảm nhẹ, 0 phục hồi, 1 xuống loại',
    );
  });

  it('running detect again, for every day or for an earlier day after later ones, changes nothing', async () => {
    const before = await snapshot();
    for (const d of h.dates)
      await runDetect(db.pool, config, log, { provinceCode: 'H18', reportDate: d, runId: null });
    await runDetect(db.pool, config, log, { provinceCode: 'H18', reportDate: '2026-11-04', runId: null });
    expect(await snapshot()).toEqual(before);
  });

  it('a re-ingested earlier day corrects the episodes from that day on', async () => {
    // a0's TTTT on 2026-11-05 becomes 6.5: no worsening that day, it happens on 11-06 instead.
    await insertScores(db.pool, [
      {
        unitId: a0.id,
        date: '2026-11-05',
        periodType: 'year',
        periodYear: 2026,
        periodNumber: 0,
        group: 'TTTT',
        score: 6.5,
        max: 10,
      },
      {
        unitId: a0.id,
        date: '2026-11-05',
        periodType: 'year',
        periodYear: 2026,
        periodNumber: 0,
        group: 'TOTAL',
        score: 80,
        max: 100,
      },
    ]);
    await runDetect(db.pool, config, log, { provinceCode: 'H18', reportDate: '2026-11-05', runId: null });
    const { events, alerts, outbox } = await snapshot();
    const a0Events = events
      .filter((e) => label(e.unit_id) === 'a0')
      .map((e) => `${e.report_date.slice(8)} ${e.grp} ${e.kind}`);
    expect(a0Events).toEqual([
      '04 TTTT opened',
      '06 TOTAL band-down',
      '06 TTTT worsened',
      '08 TTTT recovered',
    ]);
    expect(alerts.find((a) => label(a.unit_id) === 'a0')).toMatchObject({
      worst: '6.20',
      resolved_on: '2026-11-08',
    });
    expect(outbox).toHaveLength(4); // mails already written are not rewritten or added
  });

  it('closes an episode whose period has ended, without calling it a recovery', async () => {
    const y2027 = { periodType: 'year' as const, periodYear: 2027, periodNumber: 0, date: '2027-01-01' };
    await insertScores(db.pool, [
      { ...y2027, unitId: h.province.id, group: 'TOTAL', score: 10, max: 100 },
      { ...y2027, unitId: c0.id, group: 'MDSH', score: 1, max: 22 },
    ]);
    await runDetect(db.pool, config, log, { provinceCode: 'H18', reportDate: '2027-01-01', runId: null });
    const { alerts, events } = await snapshot();
    expect(alerts.find((a) => label(a.unit_id) === 'c0')).toMatchObject({
      status: 'resolved',
      resolution: 'period-ended',
      resolved_on: '2027-01-01',
    });
    expect(
      events.filter((e) => e.kind === 'closed').map((e) => [label(e.unit_id), e.report_date, e.detail]),
    ).toEqual([['c0', '2027-01-01', { resolution: 'period-ended' }]]);
    expect(events.filter((e) => e.report_date.startsWith('2027') && e.kind !== 'closed')).toEqual([]);
    // and detect again is still a no-op
    const before = await snapshot();
    await runDetect(db.pool, config, log, { provinceCode: 'H18', reportDate: '2026-11-08', runId: null });
    await runDetect(db.pool, config, log, { provinceCode: 'H18', reportDate: '2027-01-01', runId: null });
    expect(await snapshot()).toEqual(before);
  });

  it('the detect job enqueues notify under the run’s deterministic id', async () => {
    const enqueued: Array<[string, object, string]> = [];
    const deps = {
      config,
      log,
      pool: db.pool,
      portal: {} as Deps['portal'],
      enqueue: async (q: string, p: object, id: string) => {
        enqueued.push([q, p, id]);
      },
      now: () => new Date('2026-11-09T02:00:00Z'),
    } as Deps;
    await detect({ runId: '1', provinceCode: 'H18', reportDate: '2026-11-08' }, deps);
    expect(enqueued).toEqual([['notify', { runId: '1', reason: 'digest' }, 'notify-H18-2026-11-08']]);
  });

  it('`alerts` lists episodes as a table, JSON and CSV and refuses a bad --status', async () => {
    const chunks: string[] = [];
    const out = { write: (s: string) => chunks.push(s) > 0 };
    await runAlerts(db.pool, { status: 'all', format: 'json' }, out);
    const rows = JSON.parse(chunks.join(''));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      unitName: expect.any(String),
      group: expect.any(String),
      baseline: expect.any(Number),
    });
    chunks.length = 0;
    await runAlerts(db.pool, { status: 'resolved', format: 'csv', province: 'h18' }, out);
    const csv = chunks.join('');
    expect(
      csv.startsWith(
        '\uFEFFid,unit_id,code,unit,group,period,status,baseline,current,worst,max,opened_on,resolved_on',
      ),
    ).toBe(true);
    expect(csv).toContain('Sở Y tế');
    expect(csv).toContain('resolved (period-ended)');
    chunks.length = 0;
    await runAlerts(db.pool, { status: 'all' }, out);
    const table = chunks.join('').split('\n');
    expect(table[0]).toMatch(
      /^id\s+unit_id\s+code\s+unit\s+group\s+period\s+status\s+baseline\s+current\s+worst\s+max\s+opened_on\s+resolved_on$/,
    );
    expect(table.find((l) => l.includes('Sở Y tế'))).toMatch(
      /H18\.01\s+Sở Y tế\s+TTTT\s+2026\s+resolved \(recovered\)\s+7\.00\s+7\.00\s+6\.20\s+10\.00\s+2026-11-04\s+2026-11-08/,
    );
    chunks.length = 0;
    await runAlerts(db.pool, {}, out);
    expect(chunks.join('')).toBe('no open alerts\n');
    await expect(runAlerts(db.pool, { status: 'closed' }, out)).rejects.toBeInstanceOf(InputError);
    await expect(runAlerts(db.pool, { format: 'xml' }, out)).rejects.toThrow(/--format/);
    expect(addDays(FROM, 1)).toBe('2026-11-02');
  });
});
