/**
 * A realistic weekly follow-up mail for previews (scripts/render-digest.ts renders it to
 * docs/weekly.png) and rendering tests: Điện Biên in the week to 30/11/2026 (compared with
 * 23/11), the lowest units in TTTT and MDSH, two episodes open for more than a week, units
 * up and down a classification, the province's rank. Invented figures in the store's shapes.
 */
import type { WeeklyFacts, WeeklyUnitScore } from '../query/weekly.js';
import type { AlertRow } from '../store/alerts.js';

const Y = { type: 'year' as const, year: 2026, number: 0 };
const PROVINCE_ID = 'b8c3b6f4-6a5e-4f65-9b54-3c0d1e0f1a18';
const id = (n: number) => `5e0a7c1e-2b1f-4c7e-9d2a-0f1e2d3c4c${String(n).padStart(2, '0')}`;

const u = (
  n: number,
  name: string,
  code: string,
  kind: 'agency' | 'commune',
  score: number,
  previous: number | null,
  max: number,
): WeeklyUnitScore => ({
  unitId: id(n),
  unitCode: code,
  unitName: name,
  unitKind: kind,
  score,
  previous,
  maxScore: max,
});

const open = (
  a: Partial<AlertRow> & Pick<AlertRow, 'unitId' | 'unitName' | 'group' | 'openedOn'>,
): AlertRow => ({
  id: '1',
  provinceCode: 'H18',
  unitCode: null,
  unitKind: 'commune',
  period: Y,
  maxScore: a.group === 'TTTT' ? 10 : 22,
  status: 'open',
  resolution: null,
  baseline: 0,
  current: 0,
  worst: 0,
  lastSeenOn: '2026-11-30',
  resolvedOn: null,
  reasons: [],
  ...a,
});

export function sampleWeeklyFacts(): WeeklyFacts {
  return {
    province: { id: PROVINCE_ID, code: 'H18', name: 'UBND tỉnh Điện Biên', kind: 'province' },
    date: '2026-11-30',
    previousDate: '2026-11-23',
    year: 2026,
    provinceNow: { score: 78.42, rank: 20, rankOf: 34 },
    provincePrevious: { score: 78.95, rank: 19, rankOf: 34 },
    lowest: {
      TTTT: [
        u(1, 'Xã Mường Phăng', 'H18.104', 'commune', 4.35, 5.6, 10),
        u(2, 'Phường Mường Thanh', 'H18.102', 'commune', 5.0, 8.1, 10),
        u(3, 'Xã Nà Tấu', 'H18.105', 'commune', 5.42, 5.3, 10),
        u(4, 'Sở Xây dựng', 'H18.04', 'agency', 6.1, 6.1, 10),
        u(5, 'Xã Thanh Nưa', 'H18.106', 'commune', 7.3, 7.45, 10),
        u(6, 'Sở Nội vụ', 'H18.05', 'agency', 7.8, null, 10),
      ],
      MDSH: [
        u(7, 'Sở Tài nguyên và Môi trường', 'H18.12', 'agency', 14.25, 15.8, 22),
        u(8, 'Phường Điện Biên Phủ', 'H18.101', 'commune', 16.1, 17.2, 22),
        u(9, 'Sở Y tế', 'H18.09', 'agency', 16.18, 16.4, 22),
        u(10, 'Xã Thanh Xương', 'H18.107', 'commune', 19.96, 20.06, 22),
        u(11, 'Xã Mường Pồn', 'H18.108', 'commune', 20.5, 19.9, 22),
      ],
    },
    longOpen: [
      open({
        unitId: id(8),
        unitName: 'Phường Điện Biên Phủ',
        unitCode: 'H18.101',
        group: 'MDSH',
        baseline: 17.2,
        current: 16.1,
        worst: 15.95,
        openedOn: '2026-11-18',
      }),
      open({
        unitId: id(3),
        unitName: 'Xã Nà Tấu',
        unitCode: 'H18.105',
        group: 'TTTT',
        baseline: 5.51,
        current: 5.42,
        worst: 5.3,
        openedOn: '2026-11-20',
      }),
    ],
    totals: [
      {
        unitId: id(7),
        unitCode: 'H18.12',
        unitName: 'Sở Tài nguyên và Môi trường',
        unitKind: 'agency',
        score: 78.8,
        previous: 80.35,
      },
      {
        unitId: id(11),
        unitCode: 'H18.108',
        unitName: 'Xã Mường Pồn',
        unitKind: 'commune',
        score: 70.4,
        previous: 69.8,
      },
      {
        unitId: id(12),
        unitCode: 'H18.06',
        unitName: 'Sở Tư pháp',
        unitKind: 'agency',
        score: 90.1,
        previous: 89.7,
      },
      {
        unitId: id(9),
        unitCode: 'H18.09',
        unitName: 'Sở Y tế',
        unitKind: 'agency',
        score: 82.3,
        previous: 82.9,
      },
    ],
    falls: [],
  };
}
