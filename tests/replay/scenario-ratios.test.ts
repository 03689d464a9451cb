/**
 * Every ratio the bundled demo scenario produces is possible: on every listed day, for the
 * year, quarter and month periods and every call, each sub-metric the parsers derive from the
 * generated answers has numerator ≤ denominator and a ratio within 0…100 %. (The province's
 * "TTHC có phí … thanh toán trực tuyến" was once 437/152 = 288,2 %.)
 */
import { describe, expect, it } from 'vitest';
import { PERIOD_TYPES, periodKey, periodOf } from '../../src/domain.js';
import { DEMO_SCENARIO_PATH } from '../../src/replay/demo-scenario.js';
import { answerFromScenario } from '../../src/replay/generate.js';
import { parseReplayRequest } from '../../src/replay/parse-request.js';
import { compileScenario } from '../../src/replay/resolve.js';
import { loadScenario } from '../../src/replay/scenario.js';
import { parseCapture } from '../../src/source/parse-capture.js';
import { endpointOf, planProvincePeriod } from '../../src/source/requests.js';

describe('demo scenario ratios', () => {
  it('every numerator ≤ its denominator, every ratio within 0–100 %, on every day, period, call and unit', async () => {
    const scenario = await loadScenario(DEMO_SCENARIO_PATH);
    const c = compileScenario(scenario);
    const provinceId = scenario.province.id;
    const bad: string[] = [];
    let checked = 0;
    const unitsSeen = new Set<string>();
    for (const date of c.dates) {
      for (const type of PERIOD_TYPES) {
        const period = periodOf(type, date);
        for (const planned of planProvincePeriod(provinceId, period)) {
          // One page holding every unit.
          const body = 'pageSize' in planned.body ? { ...planned.body, pageSize: 1000 } : planned.body;
          const parsed = parseReplayRequest(endpointOf(planned.call), body);
          if (!parsed.ok) throw new Error(parsed.messages.join('; '));
          const answer = answerFromScenario(c, parsed.request, date);
          expect(answer.status, `${date} ${periodKey(period)} ${planned.call}`).toBe(201);
          const capture = parseCapture(planned.call, JSON.stringify(answer.body), { provinceId });
          for (const m of capture.metrics) {
            unitsSeen.add(m.unitId);
            const where = `${date} ${periodKey(period)} ${planned.call} unit ${m.unitId} ${m.group}/${m.code}`;
            if (m.numerator !== null && m.denominator !== null) {
              checked++;
              if (m.numerator > m.denominator) bad.push(`${where}: ${m.numerator}/${m.denominator}`);
            }
            if (m.ratio !== null && (m.ratio < 0 || m.ratio > 100)) bad.push(`${where}: ratio ${m.ratio}`);
          }
        }
      }
    }
    expect(bad.slice(0, 20)).toEqual([]);
    // The check did look at something: 20 days × 3 periods, the province and its 59 units.
    expect(c.dates).toHaveLength(20);
    expect(unitsSeen.size).toBe(60);
    expect(checked).toBeGreaterThan(20 * 3 * 60 * 5);
  });
});
