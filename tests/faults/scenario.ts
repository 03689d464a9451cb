/**
 * The fault matrix's scenario: Điện Biên with two agencies and two communes over five days
 * D0…D4, where every day after D0 moves a TTTT or MDSH score, so every stored day writes a
 * digest mail (a lost or doubled mail shows). A null MDHL stays null (never zero-filled).
 */
import { addDays, type IsoDate } from '../../src/domain.js';
import type { Scenario } from '../../src/replay/scenario.js';
import { PROVINCE_ID, UNIT_IDS } from '../integration/pipeline/scenario.js';

export { PROVINCE_ID, UNIT_IDS };

/** Five consecutive report dates ending on `last`. */
export function faultDays(last: IsoDate): IsoDate[] {
  return [4, 3, 2, 1, 0].map((k) => addDays(last, -k));
}

export function faultScenario(days: readonly IsoDate[]): Scenario {
  const [, d1, d2, d3, d4] = days;
  const dayMap: Scenario['days'] = {};
  for (const d of days) dayMap[d] = {};
  if (d1) dayMap[d1] = { units: { 'H18.01': { TTTT: 4.2 } } };
  if (d2) dayMap[d2] = { units: { 'H18.01': { TTTT: 3.1 }, 'H18.02': { MDSH: 10.5 } } };
  if (d3) dayMap[d3] = { units: { 'H18.101': { TTTT: 2.5 } } };
  if (d4) dayMap[d4] = { units: { 'H18.100': { MDSH: 5.25 } } };
  return {
    version: 1,
    description: 'fault matrix',
    seed: 11,
    province: { id: PROVINCE_ID, code: 'H18', name: 'UBND tỉnh Điện Biên' },
    units: [
      { id: UNIT_IDS.health, code: 'H18.01', name: 'Sở Y tế - tỉnh Điện Biên', kind: 'agency' },
      { id: UNIT_IDS.finance, code: 'H18.02', name: 'Sở Tài chính - tỉnh Điện Biên', kind: 'agency' },
      { id: UNIT_IDS.muongPhang, code: 'H18.100', name: 'UBND xã Mường Phăng', kind: 'commune' },
      { id: UNIT_IDS.thanhXuong, code: 'H18.101', name: 'UBND xã Thanh Xương', kind: 'commune' },
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
        'H18.02': { CKMB: 14, TDGQ: 16.5, CLGQ: 9, TTTT: 8, MDSH: 15.25, MDHL: 16 },
        'H18.100': { CKMB: 10, TDGQ: 17.5, CLGQ: 7.9, TTTT: 6.4, MDSH: 9.8, MDHL: null },
        'H18.101': { CKMB: 11, TDGQ: 15, CLGQ: 8, TTTT: 5, MDSH: 12, MDHL: 14 },
      },
    },
    days: dayMap,
  };
}
