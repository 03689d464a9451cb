import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDienBienDemo, DEMO_SCENARIO_PATH } from '../../src/replay/demo-scenario.js';
import { loadScenario, type Scenario, scenarioDates } from '../../src/replay/scenario.js';
import { type ReplayPortal, startReplayPortal } from '../../src/replay/server.js';
import { assembleProvinceDay } from '../../src/source/assemble.js';
import { planProvincePeriod, provinceByCode } from '../../src/source/requests.js';

const H18 = provinceByCode('H18')!;
const YEAR = { type: 'year', year: 2026, number: 0 } as const;
let scenario: Scenario;
let portal: ReplayPortal;

beforeAll(async () => {
  scenario = await loadScenario(DEMO_SCENARIO_PATH);
  portal = await startReplayPortal({ scenario });
});
afterAll(async () => {
  await portal.close();
});

async function day(date: string) {
  const captures = [];
  for (const p of planProvincePeriod(H18.id, YEAR)) {
    const res = await fetch(portal.url + p.path, {
      method: 'POST',
      headers: { 'x-replay-date': date },
      body: JSON.stringify(p.body),
    });
    expect(res.status, p.call).toBe(201);
    captures.push({ call: p.call, page: 1, body: Buffer.from(await res.arrayBuffer()) });
  }
  return assembleProvinceDay({
    provinceId: H18.id,
    provinceCode: 'H18',
    reportDate: date,
    period: YEAR,
    captures,
  });
}

describe('bundled Điện Biên demo scenario', () => {
  it('is the committed output of buildDienBienDemo', async () => {
    const text = await readFile(DEMO_SCENARIO_PATH, 'utf8');
    expect(JSON.parse(text)).toEqual(buildDienBienDemo());
  });

  it('has 14 agencies, 45 communes, 20 report dates and four NFD names', () => {
    expect(scenario.units.filter((u) => u.kind === 'agency')).toHaveLength(14);
    expect(scenario.units.filter((u) => u.kind === 'commune')).toHaveLength(45);
    expect(scenarioDates(scenario)).toHaveLength(20);
    expect(scenarioDates(scenario)[0]).toBe('2026-11-01');
    expect(scenarioDates(scenario)[19]).toBe('2026-11-20');
    expect(scenario.units.filter((u) => u.nameForm === 'NFD')).toHaveLength(4);
  });

  it('tells its story: Sở Y tế falls over several days and recovers; one null, never 0', async () => {
    const so = scenario.units.find((u) => u.code === 'H18.02')!;
    const sinThau = scenario.units.find((u) => u.code === 'H18.125')!;
    const tttt: Record<string, number | null | undefined> = {};
    for (const date of ['2026-11-04', '2026-11-05', '2026-11-07', '2026-11-10', '2026-11-12', '2026-11-14']) {
      const d = await day(date);
      expect(d.problems).toEqual([]);
      expect(d.units).toHaveLength(60);
      tttt[date] = d.scores.find((s) => s.unitId === so.id && s.group === 'TTTT')?.score;
      expect(d.scores.find((s) => s.unitId === sinThau.id && s.group === 'MDHL')?.score).toBeNull();
      expect(d.scores.find((s) => s.unitId === sinThau.id && s.group === 'TOTAL')?.score).toBeNull();
    }
    expect(tttt).toEqual({
      '2026-11-04': 7.4,
      '2026-11-05': 6.1,
      '2026-11-07': 3.2,
      '2026-11-10': 3.2,
      '2026-11-12': 5.6,
      '2026-11-14': 7.35,
    });
  });
});
