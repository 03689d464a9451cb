import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { GROUP_CODES } from '../../src/domain.js';
import { type ProvinceTable, renderProvinceTable, toProvinceTable } from '../../src/report/province-table.js';
import { assembleProvinceDay } from '../../src/source/assemble.js';
import type { ScoreObservation, UnitObservation } from '../../src/source/types.js';
import { testEnv } from '../helpers/env.js';
import { PHU_THO_ID, readRecording } from '../helpers/recordings.js';

const config = loadConfig(testEnv());
const NATIONAL = 'crawler766-national-2026-09/service-results/year-2026-national-20260927.json';
const COMPONENTS = [
  'transparency',
  'dvc-progress-tree',
  'provide-online-tree',
  'formality-online-payment-tree',
  'dossier-digitized',
  'handling-satisfaction',
] as const;

/** The recorded Phú Thọ run: national list + six component calls, no own service-results. */
const phuTho = assembleProvinceDay({
  provinceId: PHU_THO_ID,
  provinceCode: 'H44',
  reportDate: '2026-09-26',
  period: { type: 'year', year: 2026, number: 0 },
  captures: [
    { call: 'national', page: 1, body: readRecording(NATIONAL) },
    ...COMPONENTS.map((c) => ({
      call: c,
      page: 1,
      body: readRecording(`qd766-phutho-2026-09/${c}/year-all.json`),
    })),
  ],
});

/** A small hand-made province: ranks, ties, a unit without any score, a missing group. */
function smallProvince(): { units: UnitObservation[]; scores: ScoreObservation[] } {
  const unit = (id: string, kind: UnitObservation['kind'], name: string, code: string): UnitObservation => ({
    id,
    code,
    name,
    kind,
    parentId: kind === 'province' ? null : 'p',
  });
  const s = (
    unitId: string,
    group: ScoreObservation['group'],
    score: number | null,
    maxScore: number | null,
  ) => ({
    unitId,
    group,
    score,
    maxScore,
    rank: null,
    rankOf: null,
    flags: [],
  });
  return {
    units: [
      unit('p', 'province', 'UBND tỉnh Điện Biên', 'H18'),
      unit('a1', 'agency', 'Sở Y tế', 'H18.01'),
      unit('a2', 'agency', 'Sở Tư pháp', 'H18.02'),
      unit('a3', 'agency', 'Sở Nội vụ', 'H18.03'),
      unit('a4', 'agency', 'Ban Dân tộc', 'H18.04'),
      unit('c1', 'commune', 'UBND xã Mường Phăng', 'H18.100'),
      unit('c2', 'commune', 'UBND phường Điện Biên Phủ', 'H18.101'),
    ],
    scores: [
      { ...s('p', 'TOTAL', 60.15, 100), rank: 24, rankOf: 34 },
      s('p', 'CKMB', 8.02, 18),
      s('p', 'TTTT', 6.17, 10),
      s('a1', 'TOTAL', 70, 100),
      s('a2', 'TOTAL', 81.5, 100),
      s('a3', 'TOTAL', 70, 100),
      s('a2', 'TTTT', 0, 10), // a real 0 stays 0
      s('a3', 'MDSH', null, 22), // portal sent null with a max
      s('c1', 'TOTAL', 49.99, 100),
      s('c2', 'TOTAL', null, 100),
      s('c2', 'MDHL', 12, 18),
    ],
  };
}

describe('toProvinceTable', () => {
  it('has exactly the contract shape', () => {
    const t = toProvinceTable(phuTho, config);
    expect(Object.keys(t)).toEqual(['province', 'agencies', 'communes']);
    expect(Object.keys(t.province)).toEqual([
      'id',
      'code',
      'name',
      'total',
      'rank',
      'rankOf',
      'classification',
      'groups',
    ]);
    expect(Object.keys(t.agencies[0]!)).toEqual([
      'id',
      'code',
      'name',
      'total',
      'rank',
      'classification',
      'groups',
    ]);
    expect(Object.keys(t.province.groups)).toEqual([...GROUP_CODES]);
  });

  it("shows Phú Thọ's real figures, and units without a TOTAL as null (never 0)", () => {
    const t = toProvinceTable(phuTho, config);
    expect(t.province).toEqual({
      id: PHU_THO_ID,
      code: 'H44',
      name: 'UBND tỉnh Phú Thọ',
      total: 61.89,
      rank: 16,
      rankOf: 34,
      classification: 'Trung bình',
      groups: {
        CKMB: { score: 7.96, max: 18 },
        TDGQ: { score: 17.68, max: 20 },
        CLGQ: { score: 8.56, max: 12 },
        TTTT: { score: 6.67, max: 10 },
        MDSH: { score: 9.59, max: 22 },
        MDHL: { score: 11.43, max: 18 },
      },
    });
    expect(t.agencies).toHaveLength(15);
    expect(t.communes).toHaveLength(148);
    const auCo = t.communes.find((c) => c.code === 'H44.111')!;
    expect(auCo).toMatchObject({ total: null, rank: null, classification: null });
    expect(auCo.groups.TTTT).toEqual({ score: 6.58, max: 10 });
    // No ranks: sorted by name (Vietnamese collation).
    const names = t.agencies.map((a) => a.name);
    expect(names).toEqual([...names].sort(new Intl.Collator('vi').compare));
  });

  it('ranks within each list, ties share a rank, unscored units come last, missing groups are null', () => {
    const t = toProvinceTable({ provinceId: 'p', ...smallProvince() }, config);
    expect(t.province).toMatchObject({ total: 60.15, rank: 24, rankOf: 34, classification: 'Trung bình' });
    expect(t.province.groups.TDGQ).toEqual({ score: null, max: null });
    expect(t.agencies.map((a) => [a.id, a.total, a.rank, a.classification])).toEqual([
      ['a2', 81.5, 1, 'Tốt'],
      ['a3', 70, 2, 'Khá'], // tie with a1, name order: "Sở Nội vụ" < "Sở Y tế"
      ['a1', 70, 2, 'Khá'],
      ['a4', null, null, null],
    ]);
    const a2 = t.agencies[0]!;
    expect(a2.groups.TTTT).toEqual({ score: 0, max: 10 });
    expect(t.agencies[1]!.groups.MDSH).toEqual({ score: null, max: 22 });
    expect(t.communes.map((c) => [c.id, c.rank, c.classification])).toEqual([
      ['c1', 1, 'Yếu'],
      ['c2', null, null],
    ]);
  });

  it('uses the configured classification bands', () => {
    const custom = loadConfig(testEnv({ CLASS_BANDS: 'A:60,B:0' }));
    const t = toProvinceTable({ provinceId: 'p', ...smallProvince() }, custom);
    expect(t.province.classification).toBe('A');
    expect(t.communes[0]!.classification).toBe('B');
  });
});

describe('renderProvinceTable', () => {
  const table: ProvinceTable = toProvinceTable({ provinceId: 'p', ...smallProvince() }, config);

  it('json is the table itself', () => {
    expect(JSON.parse(renderProvinceTable(table, 'json'))).toEqual(table);
  });

  it('table: Vietnamese headers, "–" for null, "chưa đánh giá" for a unit with no score', () => {
    const text = renderProvinceTable(table, 'table');
    expect(text).toContain('Tổng điểm');
    expect(text).toContain('Xếp loại');
    expect(text).toContain('Sở, ban, ngành (4)');
    expect(text).toContain('Xã, phường (2)');
    const line = (name: string) => text.split('\n').findLast((l) => l.includes(name))!;
    expect(line('UBND tỉnh Điện Biên')).toMatch(
      /24\/34\s+H18\s+UBND tỉnh Điện Biên\s+60\.15\s+Trung bình\s+8\.02\s+–/,
    );
    expect(line('Ban Dân tộc')).toContain('chưa đánh giá');
    expect(line('Ban Dân tộc')).not.toMatch(/\s\d+\.\d\d(\s|$)/);
    expect(line('Sở Tư pháp')).toMatch(/0\.00/); // a real zero prints as 0.00
    // A unit with a group score but no TOTAL is evaluated, only unclassified.
    expect(line('UBND phường Điện Biên Phủ')).not.toContain('chưa đánh giá');
    expect(line('UBND phường Điện Biên Phủ')).toContain('12.00');
  });

  it('csv: one row per unit, null as an empty cell', () => {
    const csv = renderProvinceTable(table, 'csv');
    const rows = csv.trimEnd().split('\r\n');
    expect(rows).toHaveLength(1 + 7);
    expect(rows[0]).toMatch(
      /^Cấp,Hạng,Trong số,Mã,Đơn vị,Tổng điểm,Xếp loại,"Công khai, minh bạch \(CKMB\)",CKMB tối đa,/,
    );
    expect(rows[1]).toBe('Tỉnh,24,34,H18,UBND tỉnh Điện Biên,60.15,Trung bình,8.02,18.00,,,,,6.17,10.00,,,,');
    expect(rows.find((r) => r.includes('Ban Dân tộc'))).toBe(
      '"Sở, ban, ngành",,,H18.04,Ban Dân tộc,,,,,,,,,,,,,,',
    );
    expect(renderProvinceTable(table, 'csv', { bom: true }).startsWith('\uFEFF')).toBe(true);
  });
});
