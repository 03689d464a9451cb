/**
 * A realistic digest for previews (scripts/render-digest.ts renders it to docs/digest.png)
 * and rendering tests: Điện Biên on 26/11/2026 with a province fall, major falls (by size, by
 * a band crossed, by a target crossed with ALERT_TARGETS=TTTT:8,MDSH:20) and minor ones (a
 * −0,01 of the province's MDSH), a worsening, one across a gap, a band crossing, still-open episodes, recoveries and a
 * formula-change note. Invented figures in the portal's real shapes.
 */
import type { FallReason } from '../detect/explain-fall.js';
import type { AlertRow, DigestFacts, EventRow } from '../store/alerts.js';

const Y = { type: 'year' as const, year: 2026, number: 0 };
const PROVINCE_ID = 'b8c3b6f4-6a5e-4f65-9b54-3c0d1e0f1a18';

const reason = (code: string, name: string, text: string): FallReason => ({
  code,
  name,
  before: { numerator: null, denominator: null, ratio: null, score: null },
  after: { numerator: null, denominator: null, ratio: null, score: null },
  text,
});

function ev(e: Partial<EventRow> & Pick<EventRow, 'kind' | 'unitId' | 'unitName' | 'group'>): EventRow {
  return {
    alertId: null,
    unitCode: null,
    unitKind: 'agency',
    period: Y,
    before: null,
    after: null,
    comparedOn: '2026-11-25',
    gapDays: 1,
    detail: {},
    maxScore: e.group === 'TTTT' ? 10 : e.group === 'MDSH' ? 22 : null,
    baseline: null,
    worst: null,
    openedOn: null,
    ...e,
  };
}

function open(a: Partial<AlertRow> & Pick<AlertRow, 'unitId' | 'unitName' | 'group'>): AlertRow {
  return {
    id: '1',
    provinceCode: 'H18',
    unitCode: null,
    unitKind: 'commune',
    period: Y,
    maxScore: a.group === 'TTTT' ? 10 : 22,
    status: 'open',
    resolution: null,
    openedOn: '2026-11-20',
    baseline: 0,
    current: 0,
    worst: 0,
    lastSeenOn: '2026-11-26',
    resolvedOn: null,
    reasons: [],
    ...a,
  };
}

export function sampleDigestFacts(): DigestFacts {
  return {
    province: { id: PROVINCE_ID, code: 'H18', name: 'UBND tỉnh Điện Biên', kind: 'province' },
    reportDate: '2026-11-26',
    provinceTotal: { score: 78.42, rank: 20, rankOf: 34 },
    events: [
      ev({
        kind: 'province-fall',
        unitId: PROVINCE_ID,
        unitName: 'UBND tỉnh Điện Biên',
        unitCode: 'H18',
        unitKind: 'province',
        group: 'TOTAL',
        before: 78.95,
        after: 78.42,
      }),
      ev({
        kind: 'opened',
        unitId: PROVINCE_ID,
        unitName: 'UBND tỉnh Điện Biên',
        unitCode: 'H18',
        unitKind: 'province',
        group: 'TTTT',
        before: 6.67,
        after: 6.41,
        baseline: 6.67,
        worst: 6.41,
        openedOn: '2026-11-26',
        detail: {
          reasons: [
            reason(
              'ONLINE_PAYMENT_DOSSIERS',
              'Hồ sơ thanh toán trực tuyến',
              'tỷ lệ thanh toán trực tuyến 42,0% → 35,5%: 1.204/3.390 hồ sơ có phí được thanh toán trực tuyến',
            ),
          ],
        },
      }),
      ev({
        kind: 'opened',
        unitId: '5e0a7c1e-2b1f-4c7e-9d2a-0f1e2d3c4b01',
        unitName: 'Sở Tài nguyên và Môi trường',
        unitCode: 'H18.12',
        group: 'MDSH',
        before: 15.8,
        after: 14.25,
        baseline: 15.8,
        worst: 14.25,
        openedOn: '2026-11-26',
        comparedOn: '2026-11-23',
        gapDays: 3,
        detail: {
          reasons: [
            reason(
              'ORIGINAL_RESULT_AVAILABLE',
              'Tỷ lệ hồ sơ có kết quả điện tử',
              'Tỷ lệ hồ sơ có kết quả điện tử 88,4% → 79,1%: 412/521',
            ),
            reason(
              'SO_HOA_GIAY_TO_GIAI_QUYET',
              'Số hóa giấy tờ khi tiếp nhận',
              'Số hóa giấy tờ khi tiếp nhận 71,0% → 66,2%: 345/521',
            ),
          ],
        },
      }),
      ev({
        kind: 'worsened',
        unitId: '5e0a7c1e-2b1f-4c7e-9d2a-0f1e2d3c4b02',
        unitName: 'Xã Mường Phăng',
        unitCode: 'H18.104',
        unitKind: 'commune',
        group: 'TTTT',
        before: 5.1,
        after: 4.35,
        baseline: 5.6,
        worst: 4.35,
        openedOn: '2026-11-21',
        detail: {
          reasons: [
            reason(
              'ONLINE_PAYMENT_DOSSIERS',
              'Hồ sơ thanh toán trực tuyến',
              'tỷ lệ thanh toán trực tuyến 31,2% → 24,8%: 62/250 hồ sơ có phí được thanh toán trực tuyến',
            ),
          ],
        },
      }),
      ev({
        kind: 'opened',
        unitId: PROVINCE_ID,
        unitName: 'UBND tỉnh Điện Biên',
        unitCode: 'H18',
        unitKind: 'province',
        group: 'MDSH',
        before: 18.42,
        after: 18.41,
        baseline: 18.42,
        worst: 18.41,
        openedOn: '2026-11-26',
      }),
      ev({
        kind: 'opened',
        unitId: '5e0a7c1e-2b1f-4c7e-9d2a-0f1e2d3c4b07',
        unitName: 'Phường Mường Thanh',
        unitCode: 'H18.102',
        unitKind: 'commune',
        group: 'TTTT',
        before: 8.1,
        after: 5.0,
        baseline: 8.1,
        worst: 5.0,
        openedOn: '2026-11-26',
        detail: {
          reasons: [
            reason(
              'ONLINE_PAYMENT_DOSSIERS',
              'Hồ sơ thanh toán trực tuyến',
              'tỷ lệ thanh toán trực tuyến 81,0% → 50,0%: 150/300 hồ sơ có phí được thanh toán trực tuyến',
            ),
          ],
        },
      }),
      ev({
        kind: 'opened',
        unitId: '5e0a7c1e-2b1f-4c7e-9d2a-0f1e2d3c4b08',
        unitName: 'Xã Thanh Xương',
        unitCode: 'H18.107',
        unitKind: 'commune',
        group: 'MDSH',
        before: 20.06,
        after: 19.96,
        baseline: 20.06,
        worst: 19.96,
        openedOn: '2026-11-26',
      }),
      ev({
        kind: 'worsened',
        unitId: '5e0a7c1e-2b1f-4c7e-9d2a-0f1e2d3c4b09',
        unitName: 'Sở Y tế',
        unitCode: 'H18.09',
        group: 'MDSH',
        before: 16.3,
        after: 16.18,
        baseline: 16.4,
        worst: 16.18,
        openedOn: '2026-11-19',
      }),
      ev({
        kind: 'band-down',
        unitId: '5e0a7c1e-2b1f-4c7e-9d2a-0f1e2d3c4b01',
        unitName: 'Sở Tài nguyên và Môi trường',
        unitCode: 'H18.12',
        group: 'TOTAL',
        before: 80.35,
        after: 78.8,
        detail: { fromBand: 'Tốt', toBand: 'Khá' },
      }),
      ev({
        kind: 'recovered',
        unitId: '5e0a7c1e-2b1f-4c7e-9d2a-0f1e2d3c4b03',
        unitName: 'Sở Tư pháp',
        unitCode: 'H18.06',
        group: 'TTTT',
        before: 8.9,
        after: 9.4,
        baseline: 9.2,
        worst: 8.55,
        openedOn: '2026-11-14',
      }),
      ev({
        kind: 'new-epoch',
        unitId: '5e0a7c1e-2b1f-4c7e-9d2a-0f1e2d3c4b04',
        unitName: 'Xã Nà Tấu',
        unitCode: 'H18.105',
        unitKind: 'commune',
        group: 'MDSH',
        before: null,
        after: 12.4,
        detail: { fromMax: 22, toMax: 20 },
      }),
    ],
    stillOpen: [
      open({
        unitId: '5e0a7c1e-2b1f-4c7e-9d2a-0f1e2d3c4b05',
        unitName: 'Phường Điện Biên Phủ',
        unitCode: 'H18.101',
        group: 'MDSH',
        baseline: 17.2,
        current: 16.1,
        worst: 15.95,
        openedOn: '2026-11-18',
      }),
      open({
        unitId: '5e0a7c1e-2b1f-4c7e-9d2a-0f1e2d3c4b06',
        unitName: 'Xã Thanh Nưa',
        unitCode: 'H18.106',
        group: 'TTTT',
        baseline: 7.45,
        current: 7.3,
        worst: 7.05,
        openedOn: '2026-11-24',
      }),
    ],
  };
}
