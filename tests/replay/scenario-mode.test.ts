import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_CODES, type Period } from '../../src/domain.js';
import { parseScenario, type Scenario } from '../../src/replay/scenario.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { assembleProvinceDay } from '../../src/source/assemble.js';
import { parseCapture } from '../../src/source/parse-capture.js';
import { type CallName, planCall, planProvincePeriod, provinceByCode } from '../../src/source/requests.js';

const H18 = provinceByCode('H18')!;
const YEAR: Period = { type: 'year', year: 2026, number: 0 };

const scenario: Scenario = parseScenario({
  version: 1,
  seed: 7,
  province: H18,
  units: [
    // departmentIds are uuids, as the portal's (the parsers refuse a row without one)
    {
      id: '00000000-0000-4000-8000-00000000c001',
      code: 'H18.01',
      name: 'Sở Y tế - tỉnh Điện Biên',
      kind: 'agency',
    },
    {
      id: '00000000-0000-4000-8000-00000000c002',
      code: 'H18.02',
      name: 'Sở Tài chính - tỉnh Điện Biên',
      kind: 'agency',
    },
    {
      id: '00000000-0000-4000-8000-00000000c100',
      code: 'H18.100',
      name: 'UBND xã Mường Phăng',
      kind: 'commune',
      nameForm: 'NFD',
    },
  ],
  base: {
    units: {
      'H18.01': {
        CKMB: 12.5,
        TDGQ: 18,
        CLGQ: 8.2,
        TTTT: { score: 7.1, paidOnline: 710, withFees: 1000 },
        MDSH: 11,
        MDHL: 15,
      },
      'H18.02': { CKMB: 11, TDGQ: 17, CLGQ: 9, TTTT: 6, MDSH: 10.5, MDHL: 14.25 },
      'H18.100': { CKMB: 10, TDGQ: 17.5, CLGQ: 7.9, TTTT: 6.4, MDSH: 9.8, MDHL: null },
    },
  },
  days: {
    '2026-11-01': {},
    '2026-11-02': {
      units: {
        'H18.01': {
          TTTT: 4.2,
          CKMB: { quality: { status: 'NO_NATIONAL_REPORT_DATA', message: 'Chưa có số liệu' } },
        },
        'H18.02': { MDSH: { missing: true } },
      },
    },
    '2026-11-04': {
      units: { 'H18.01': { TTTT: 7 }, 'H18.02': { MDSH: { missing: false } } },
      groupMax: { TTTT: 12 },
      provinces: { H44: { TTTT: 9.5 } },
    },
  },
});

let portal: ReplayPortal;
beforeAll(async () => {
  portal = await startReplayPortal({ scenario }, { date: '2026-11-01' });
});
afterAll(async () => {
  await portal.close();
});

async function call(
  name: CallName,
  period: Period,
  opts: { date?: string; page?: number; pageSize?: number } = {},
) {
  const p = planCall(name, H18.id, period, opts.page ?? 1);
  const body = opts.pageSize ? { ...p.body, pageSize: opts.pageSize } : p.body;
  const res = await fetch(portal.url + p.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.date ? { 'x-replay-date': opts.date } : {}) },
    body: JSON.stringify(body),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    bytes,
    json: JSON.parse(bytes.toString('utf8')),
  };
}

async function assembled(date: string, period: Period = YEAR) {
  const captures = [];
  for (const p of planProvincePeriod(H18.id, period)) {
    const r = await call(p.call, period, { date });
    expect(r.status, p.call).toBe(201);
    captures.push({ call: p.call, page: 1, body: r.bytes });
  }
  return assembleProvinceDay({ provinceId: H18.id, provinceCode: 'H18', reportDate: date, period, captures });
}

const scoreOf = (day: Awaited<ReturnType<typeof assembled>>, unitId: string, group: string) =>
  day.scores.find((s) => s.unitId === unitId && s.group === group)?.score;

describe('scenario mode', () => {
  it('answers 201 with the portal envelope and parses back to the scenario numbers', async () => {
    const r = await call('transparency', YEAR);
    expect(r.status).toBe(201);
    expect(r.type).toBe('application/json; charset=utf-8');
    expect(r.json.code).toBe('OK');
    expect(r.json.message).toBe('OK');
    const day = await assembled('2026-11-01');
    expect(day.problems).toEqual([]);
    expect(scoreOf(day, '00000000-0000-4000-8000-00000000c001', 'TTTT')).toBe(7.1);
    expect(scoreOf(day, '00000000-0000-4000-8000-00000000c001', 'TOTAL')).toBe(71.8);
    expect(scoreOf(day, '00000000-0000-4000-8000-00000000c002', 'MDHL')).toBe(14.25);
    // null stays null: the commune's MDHL and therefore its total
    expect(scoreOf(day, '00000000-0000-4000-8000-00000000c100', 'MDHL')).toBeNull();
    expect(scoreOf(day, '00000000-0000-4000-8000-00000000c100', 'TOTAL')).toBeNull();
    // province groups = mean of the units with a score; MDHL only over the two agencies
    expect(scoreOf(day, H18.id, 'MDHL')).toBe(14.63);
    expect(scoreOf(day, H18.id, 'TTTT')).toBe(6.5);
    const payment = day.metrics.find(
      (m) => m.unitId === '00000000-0000-4000-8000-00000000c001' && m.code === 'ONLINE_PAYMENT_DOSSIERS',
    );
    expect([payment?.numerator, payment?.denominator]).toEqual([710, 1000]);
    // every group score of every unit matches the scenario
    for (const g of GROUP_CODES) {
      expect(scoreOf(day, '00000000-0000-4000-8000-00000000c002', g), g).toBe(
        scenario.base.units!['H18.02']![g],
      );
    }
  });

  it('steps through days: changes persist, a gap serves the day before, 503 before the first day', async () => {
    const before = await call('formality-online-payment-tree', YEAR, { date: '2026-10-31' });
    expect(before.status).toBe(503);
    expect(before.json.firstDay).toBe('2026-11-01');
    const d2 = await assembled('2026-11-02');
    expect(scoreOf(d2, '00000000-0000-4000-8000-00000000c001', 'TTTT')).toBe(4.2);
    const d3 = await assembled('2026-11-03');
    expect(scoreOf(d3, '00000000-0000-4000-8000-00000000c001', 'TTTT')).toBe(4.2);
    expect(d3.problems.map((p) => [p.kind, p.unitId, p.group])).toEqual([
      ['missing-unit', '00000000-0000-4000-8000-00000000c002', 'MDSH'],
    ]);
    const d4 = await assembled('2026-11-04');
    expect(scoreOf(d4, '00000000-0000-4000-8000-00000000c001', 'TTTT')).toBe(7);
    expect(
      d4.scores.find((s) => s.unitId === '00000000-0000-4000-8000-00000000c001' && s.group === 'TTTT')
        ?.maxScore,
    ).toBe(12);
    expect(d4.problems).toEqual([]);
    // later than the last day: the last computation
    const late = await call('formality-online-payment-tree', YEAR, { date: '2027-01-15' });
    expect(late.status).toBe(201);
  });

  it('shows a data-quality flag on the group flag metric', async () => {
    const r = await call('transparency', YEAR, { date: '2026-11-02' });
    const row = r.json.data.evaluation.find(
      (e: { departmentId: string }) => e.departmentId === '00000000-0000-4000-8000-00000000c001',
    );
    const sync = row.metrics.find((m: { code: string }) => m.code === 'DOSSIER_SYNC');
    expect(sync.dataQualityStatus).toBe('NO_NATIONAL_REPORT_DATA');
    const metricSum = row.metrics.reduce(
      (a: number, m: { score: number }) => a + Math.round(m.score * 100),
      0,
    );
    expect(metricSum).toBe(1250);
  });

  it('sets the date by setDate, the admin endpoint, the header and the query', async () => {
    const ttttOf = (j: { data: { children: { departmentId: string; totalScore: number }[] } }) =>
      j.data.children.find((c) => c.departmentId === '00000000-0000-4000-8000-00000000c001')?.totalScore;
    portal.setDate('2026-11-02');
    expect(ttttOf((await call('formality-online-payment-tree', YEAR)).json)).toBe(4.2);
    const admin = await fetch(`${portal.url}/__replay/date`, {
      method: 'POST',
      body: JSON.stringify({ date: '2026-11-05' }),
    });
    expect(admin.status).toBe(200);
    expect(ttttOf((await call('formality-online-payment-tree', YEAR)).json)).toBe(7);
    expect(ttttOf((await call('formality-online-payment-tree', YEAR, { date: '2026-11-01' })).json)).toBe(
      7.1,
    );
    const p = planCall('formality-online-payment-tree', H18.id, YEAR);
    const q = await fetch(`${portal.url}${p.path}?replayDate=2026-11-02`, {
      method: 'POST',
      body: JSON.stringify(p.body),
    });
    expect(ttttOf(await q.json())).toBe(4.2);
    const bad = await call('formality-online-payment-tree', YEAR, { date: '2026-11-31' });
    expect(bad.status).toBe(400);
    portal.setDate('2026-11-01');
  });

  it('derives quarter and month values deterministically, null staying null', async () => {
    const q4 = { type: 'quarter', year: 2026, number: 4 } as const;
    const m11 = { type: 'month', year: 2026, number: 11 } as const;
    for (const period of [q4, m11]) {
      const a = await assembled('2026-11-02', period);
      const b = await assembled('2026-11-02', period);
      expect(a.scores).toEqual(b.scores);
      expect(scoreOf(a, '00000000-0000-4000-8000-00000000c100', 'MDHL')).toBeNull();
      const tttt = scoreOf(a, '00000000-0000-4000-8000-00000000c001', 'TTTT')!;
      expect(Math.abs(tttt - 4.2)).toBeLessThanOrEqual(0.6);
      const ckmb = scoreOf(a, '00000000-0000-4000-8000-00000000c002', 'CKMB')!;
      expect(Math.abs(ckmb - 11)).toBeLessThanOrEqual(1.08);
    }
    const hs = await call('handling-satisfaction', m11, { date: '2026-11-02' });
    expect(hs.status).toBe(201);
    const future = await call(
      'transparency',
      { type: 'month', year: 2026, number: 12 },
      { date: '2026-11-02' },
    );
    expect(future.status).toBe(404);
    expect(future.json.replay).toBe('no-data');
    const otherYear = await call('national', { type: 'year', year: 2025, number: 0 }, { date: '2026-11-02' });
    expect(otherYear.status).toBe(404);
    expect(otherYear.json.message).toContain('2025');
  });

  it('honours pagination on Shape-A endpoints', async () => {
    const p1 = await call('dossier-digitized', YEAR, { pageSize: 2 });
    expect(p1.json.data.pagination).toEqual({ total: 3, currentPage: 1, pageSize: 2, totalPages: 2 });
    expect(p1.json.data.evaluation.map((e: { stt: number }) => e.stt)).toEqual([1, 2]);
    const p2 = await call('dossier-digitized', YEAR, { pageSize: 2, page: 2 });
    expect(p2.json.data.evaluation.map((e: { departmentCode: string }) => e.departmentCode)).toEqual([
      'H18.100',
    ]);
  });

  it('writes names in NFD where the scenario says so and lists the national 34 by total', async () => {
    const r = await call('service-results', YEAR);
    const commune = r.json.data.evaluation.find(
      (e: { departmentId: string }) => e.departmentId === '00000000-0000-4000-8000-00000000c100',
    );
    expect(commune.departmentName).toBe('UBND xã Mường Phăng'.normalize('NFD'));
    expect(commune.departmentName).not.toBe('UBND xã Mường Phăng'.normalize('NFC'));
    expect(commune.totalScore).toBeNull();
    expect(commune.childGroup).toBe('COMMUNE');
    expect(r.json.data.overview.departmentId).toBeUndefined();
    expect(r.json.data.overview.departmentCode).toBe('H18');
    const n = await call('national', YEAR);
    const rows = n.json.data.evaluation as {
      departmentId: string;
      totalScore: number;
      groupScores: Record<string, number>;
    }[];
    expect(rows).toHaveLength(34);
    for (let i = 1; i < rows.length; i++)
      expect(rows[i - 1]!.totalScore).toBeGreaterThanOrEqual(rows[i]!.totalScore);
    const own = rows.find((x) => x.departmentId === H18.id)!;
    expect(own.groupScores.TTTT).toBe(6.5);
    const cents = Object.values(own.groupScores).reduce((a, b) => a + Math.round(b * 100), 0);
    expect(Math.round(own.totalScore * 100)).toBe(cents);
    const parsed = parseCapture('national', n.bytes);
    expect(parsed.units).toHaveLength(34);
    // other provinces: generated, fixed across days unless a day overrides them
    const h44 = provinceByCode('H44')!;
    const h44Row = (j: typeof n.json) =>
      (j.data.evaluation as { departmentId: string; groupScores: Record<string, number> }[]).find(
        (x) => x.departmentId === h44.id,
      )!.groupScores;
    const before = h44Row((await call('national', YEAR, { date: '2026-11-01' })).json);
    expect(h44Row((await call('national', YEAR, { date: '2026-11-02' })).json)).toEqual(before);
    expect(h44Row((await call('national', YEAR, { date: '2026-11-04' })).json)).toEqual({
      ...before,
      TTTT: 9.5,
    });
  });

  it('refuses a scenario with a score above its max, naming the day, unit and group', async () => {
    const bad = parseScenario({
      ...scenario,
      days: { ...scenario.days, '2026-11-06': { groupMax: { TTTT: 5 } } },
    });
    await expect(startReplayPortal({ scenario: bad })).rejects.toThrow(
      /on 2026-11-06, H18\.01 TTTT = 7 exceeds its max 5/,
    );
  });

  it('says 404 no-data for a province the scenario does not describe', async () => {
    const other = provinceByCode('H44')!;
    const p = planCall('transparency', other.id, YEAR);
    const res = await fetch(portal.url + p.path, { method: 'POST', body: JSON.stringify(p.body) });
    expect(res.status).toBe(404);
    const j = await res.json();
    expect(j.replay).toBe('no-data');
    expect(j.body.rootDepartmentId).toBe(other.id);
  });
});
