/**
 * A small replay scenario for the portal-client tests: Điện Biên with two agencies and three
 * communes (one written in NFD), two report dates.
 */
import type { Scenario } from '../../src/replay/scenario.js';
import { DIEN_BIEN_ID } from '../helpers/recordings.js';

export const SMALL_DATES = ['2026-11-25', '2026-11-26'] as const;

export function smallScenario(): Scenario {
  const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    version: 1,
    description: 'portal-client tests: Điện Biên, 2 agencies, 3 communes',
    province: { id: DIEN_BIEN_ID, code: 'H18', name: 'UBND tỉnh Điện Biên' },
    units: [
      { id: id(1), code: 'H18.01', name: 'Sở Y tế - tỉnh Điện Biên', kind: 'agency' },
      { id: id(2), code: 'H18.02', name: 'Sở Tư pháp - tỉnh Điện Biên', kind: 'agency' },
      { id: id(100), code: 'H18.100', name: 'UBND xã Mường Phăng', kind: 'commune', nameForm: 'NFD' },
      { id: id(101), code: 'H18.101', name: 'UBND phường Điện Biên Phủ', kind: 'commune' },
      { id: id(102), code: 'H18.102', name: 'UBND xã Thanh Nưa', kind: 'commune' },
    ],
    base: {
      units: {
        'H18.01': { CKMB: 12.5, TDGQ: 18, CLGQ: 8.2, TTTT: 7.1, MDSH: 11, MDHL: 15 },
        'H18.02': { CKMB: 10.25, TDGQ: 17, CLGQ: 9.1, TTTT: 6.3, MDSH: 12.4, MDHL: 16 },
        'H18.100': { CKMB: 10, TDGQ: 17.5, CLGQ: 7.9, TTTT: 6.4, MDSH: 9.8, MDHL: null },
        'H18.101': { CKMB: 11, TDGQ: 19, CLGQ: 8, TTTT: 5.5, MDSH: 10.1, MDHL: 17 },
        'H18.102': { CKMB: 9.5, TDGQ: 16.2, CLGQ: 7.25, TTTT: 4.75, MDSH: 8.8, MDHL: 14.5 },
      },
    },
    days: {
      '2026-11-25': {},
      '2026-11-26': { units: { 'H18.01': { TTTT: 4.2 } } },
    },
  };
}
