import { describe, expect, it } from 'vitest';
import { explainFall, type MetricValue } from '../../src/detect/explain-fall.js';
import { fmtCount, fmtDate, fmtDelta, fmtPercent, fmtPoints } from '../../src/detect/format-vi.js';

const m = (code: string, v: Partial<MetricValue>): MetricValue => ({
  code,
  name: null,
  numerator: null,
  denominator: null,
  ratio: null,
  score: null,
  maxScore: null,
  ...v,
});

describe('explainFall', () => {
  it('says which sub-metrics moved, in Vietnamese, worst first', () => {
    const before = [
      m('ONLINE_PAYMENT_DOSSIERS', { numerator: 1300, denominator: 3095, ratio: 42, score: 4.2 }),
      m('ORIGINAL_RESULT_AVAILABLE', {
        name: 'Tỷ lệ cấp kết quả bản điện tử',
        numerator: 50,
        denominator: 100,
        ratio: 50,
        score: 3,
      }),
      m('ELECTRONIC_CERTIFIED_COPY', { name: 'Chứng thực điện tử', ratio: 10, score: 1 }),
    ];
    const after = [
      m('ONLINE_PAYMENT_DOSSIERS', { numerator: 1204, denominator: 3390, ratio: 35.5, score: 3.55 }),
      m('ORIGINAL_RESULT_AVAILABLE', {
        name: 'Tỷ lệ cấp kết quả bản điện tử',
        numerator: 50,
        denominator: 110,
        ratio: 45.45,
        score: 2.73,
      }),
      m('ELECTRONIC_CERTIFIED_COPY', { name: 'Chứng thực điện tử', ratio: 10, score: 1 }),
      m('NEW_ONE', { ratio: 1 }),
    ];
    const r = explainFall(before, after);
    expect(r.map((x) => x.code)).toEqual(['ONLINE_PAYMENT_DOSSIERS', 'ORIGINAL_RESULT_AVAILABLE']);
    expect(r[0]?.text).toBe(
      'tỷ lệ thanh toán trực tuyến 42,0% → 35,5%: 1.204/3.390 hồ sơ có phí được thanh toán trực tuyến',
    );
    expect(r[1]?.text).toBe('Tỷ lệ cấp kết quả bản điện tử 50,0% → 45,5%: 50/110');
  });

  it('uses the score when there is no ratio, and returns nothing without metrics', () => {
    const r = explainFall(
      [m('X', { name: 'Chỉ số X', score: 2 })],
      [m('X', { name: 'Chỉ số X', score: 1.5 })],
    );
    expect(r[0]?.text).toBe('Chỉ số X: điểm 2,00 → 1,50');
    expect(explainFall([], [])).toEqual([]);
  });
});

describe('Vietnamese formatting', () => {
  it('groups thousands with dots, decimals with commas, null as a dash', () => {
    expect(fmtCount(1204)).toBe('1.204');
    expect(fmtCount(1234567)).toBe('1.234.567');
    expect(fmtPercent(42)).toBe('42,0%');
    expect(fmtPoints(6.5)).toBe('6,50');
    expect(fmtPoints(null)).toBe('–');
    expect(fmtPoints(0)).toBe('0,00');
    expect(fmtDelta(-0.7)).toBe('−0,70');
    expect(fmtDelta(0.25)).toBe('+0,25');
    expect(fmtDate('2026-11-26')).toBe('26/11/2026');
  });
});
