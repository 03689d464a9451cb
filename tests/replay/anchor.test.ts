/**
 * Anchoring a scenario to the calendar (`replay-portal --anchor due|YYYY-MM-DD`): the days
 * move together so the last one is the anchor, the story moves with them, and the portal
 * answers the moved days (across a new year too).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startFromFlags } from '../../src/cli/commands/replay-portal.js';
import { addDays, periodOf } from '../../src/domain.js';
import { InputError } from '../../src/errors.js';
import { anchorScenario, resolveAnchor } from '../../src/replay/anchor.js';
import { DEMO_SCENARIO_PATH } from '../../src/replay/demo-scenario.js';
import { loadScenario, scenarioDates } from '../../src/replay/scenario.js';
import { startReplayPortal } from '../../src/replay/server.js';
import { planCall, provinceByCode } from '../../src/source/requests.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DUE = { timeZone: 'Asia/Ho_Chi_Minh', cronSchedule: '30 4 * * *', reportDateOffsetDays: 1 };
const H18 = provinceByCode('H18')!;

/** Sở Y tế's TTTT year score as the portal answers it for `date`. */
async function soYTeTttt(url: string, date: string): Promise<number> {
  const call = planCall('formality-online-payment-tree', H18.id, periodOf('year', date));
  const res = await fetch(url + call.path, {
    method: 'POST',
    headers: { 'x-replay-date': date },
    body: JSON.stringify(call.body),
  });
  expect(res.status, date).toBe(201);
  const body = (await res.json()) as {
    data: { children: Array<{ departmentCode: string; totalScore: number }> };
  };
  return body.data.children.find((c) => c.departmentCode === 'H18.02')!.totalScore;
}

describe('resolveAnchor', () => {
  it('"due" is the latest due report date of the schedule; a date is itself', () => {
    // 2026-12-03 05:00 in Hanoi (after the 04:30 tick): yesterday is due.
    expect(resolveAnchor('due', new Date('2026-12-02T22:00:00Z'), DUE)).toBe('2026-12-02');
    // 04:00 there: today's tick has not fired, the day before yesterday is the latest due.
    expect(resolveAnchor('due', new Date('2026-12-02T21:00:00Z'), DUE)).toBe('2026-12-01');
    expect(resolveAnchor('2027-01-05', new Date(), DUE)).toBe('2027-01-05');
  });

  it.each(['tomorrow', '2026-02-30', '', 'due;rm'])('rejects %j naming --anchor', (v) => {
    expect(() => resolveAnchor(v, new Date(), DUE)).toThrow(InputError);
    expect(() => resolveAnchor(v, new Date(), DUE)).toThrow(/--anchor/);
  });
});

describe('anchorScenario', () => {
  it('moves every day by the same amount so the last is the anchor; nothing else changes', async () => {
    const s = await loadScenario(DEMO_SCENARIO_PATH);
    const a = anchorScenario(s, '2027-01-05');
    const before = scenarioDates(s);
    const after = scenarioDates(a.scenario);
    expect(after).toHaveLength(20);
    expect(a.lastDay).toBe('2027-01-05');
    expect(a.firstDay).toBe('2026-12-17');
    expect(after.at(-1)).toBe('2027-01-05');
    expect(a.shiftDays).toBe(46);
    for (const [i, d] of before.entries()) {
      expect(after[i]).toBe(addDays(d, 46));
      expect(a.scenario.days[after[i]!]).toEqual(s.days[d]);
    }
    expect(a.scenario.units).toEqual(s.units);
    expect(a.scenario.base).toEqual(s.base);
    expect(anchorScenario(s, '2026-11-20').scenario).toEqual(s);
  });

  it('the portal tells the same story on the moved days, across a new year', async () => {
    const s = await loadScenario(DEMO_SCENARIO_PATH);
    const portal = await startReplayPortal({ scenario: anchorScenario(s, '2027-01-05').scenario });
    try {
      // Sở Y tế falls on the 5th–7th scenario day (11-05 … 11-07 → 12-21 … 12-23) and recovers
      // on the 14th (11-14 → 12-30); the last days are in 2027 and answered for 2027.
      expect(await soYTeTttt(portal.url, '2026-12-20')).toBe(7.4);
      expect(await soYTeTttt(portal.url, '2026-12-23')).toBe(3.2);
      expect(await soYTeTttt(portal.url, '2026-12-30')).toBe(7.35);
      expect(await soYTeTttt(portal.url, '2027-01-05')).toBe(7.35);
      const before = await fetch(
        `${portal.url}${planCall('national', H18.id, periodOf('year', '2026-12-16')).path}`,
        {
          method: 'POST',
          headers: { 'x-replay-date': '2026-12-16' },
          body: JSON.stringify(planCall('national', H18.id, periodOf('year', '2026-12-16')).body),
        },
      );
      expect(before.status).toBe(503);
      const served = (await (await fetch(`${portal.url}/__replay/scenario`)).json()) as { days: object };
      expect(Object.keys(served.days).sort().at(-1)).toBe('2027-01-05');
    } finally {
      await portal.close();
    }
  });

  it('replay-portal --anchor serves the moved scenario; --anchor with --recordings is refused', async () => {
    const lines: string[] = [];
    const portal = await startFromFlags(
      { scenario: DEMO_SCENARIO_PATH, port: '0', anchor: '2027-01-05' },
      { write: (s: string) => lines.push(s) > 0 },
    );
    try {
      expect(lines.join('')).toContain('report dates 2026-12-17 … 2027-01-05 (moved 46 day(s))');
      const served = (await (await fetch(`${portal.url}/__replay/scenario`)).json()) as { days: object };
      expect(Object.keys(served.days).sort()[0]).toBe('2026-12-17');
    } finally {
      await portal.close();
    }
    const err = await startFromFlags(
      { recordings: path.join(ROOT, 'tests/fixtures/portal-recordings'), anchor: 'due' },
      { write: () => true },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(String(err)).toContain('--anchor');
  });
});
