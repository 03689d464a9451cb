/**
 * A small scenario for the pipeline tests: Điện Biên with two agencies and two communes over
 * a week, one TTTT fall on the 24th, a null MDHL (never zero-filled).
 */
import type { Scenario } from '../../../src/replay/scenario.js';

export const PROVINCE_ID = '019d2be3-6a85-74ec-a341-16615c474af4';
export const UNIT_IDS = {
  health: '00000000-0000-4000-8000-000000000001',
  finance: '00000000-0000-4000-8000-000000000002',
  muongPhang: '00000000-0000-4000-8000-000000000100',
  thanhXuong: '00000000-0000-4000-8000-000000000101',
} as const;

export function pipelineScenario(days: readonly string[]): Scenario {
  const dayMap: Scenario['days'] = {};
  for (const d of days) dayMap[d] = {};
  const fallDay = days[Math.min(4, days.length - 1)];
  if (fallDay) dayMap[fallDay] = { units: { 'H18.01': { TTTT: 4.2 } } };
  return {
    version: 1,
    description: 'pipeline integration tests',
    seed: 7,
    province: { id: PROVINCE_ID, code: 'H18', name: 'UBND tỉnh Điện Biên' },
    units: [
      { id: UNIT_IDS.health, code: 'H18.01', name: 'Sở Y tế - tỉnh Điện Biên', kind: 'agency' },
      { id: UNIT_IDS.finance, code: 'H18.02', name: 'Sở Tài chính - tỉnh Điện Biên', kind: 'agency' },
      {
        id: UNIT_IDS.muongPhang,
        code: 'H18.100',
        name: 'UBND xã Mường Phăng',
        kind: 'commune',
        nameForm: 'NFD',
      },
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
