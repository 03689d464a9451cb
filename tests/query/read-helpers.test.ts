/** Pure pieces of the read side: cursors, input parsers, the day-over-day comparison. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { clampLimit, decodeCursor, encodeCursor } from '../../src/query/cursor.js';
import { compareDays } from '../../src/query/falls.js';
import { checkRange, parseDate, parseGroups, parseKind, parsePeriodType } from '../../src/query/inputs.js';
import type { ProvinceReportInput } from '../../src/query/report.js';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.field;
    throw e;
  }
  throw new Error('did not throw');
}

describe('cursors', () => {
  it('round-trip and reject anything they did not make, naming the field', () => {
    const c = encodeCursor(['2026-11-26', 2026, 0]);
    expect(decodeCursor(c, ['string', 'number', 'number'])).toEqual(['2026-11-26', 2026, 0]);
    expect(fieldOf(() => decodeCursor('%%%', ['string']))).toBe('after');
    expect(fieldOf(() => decodeCursor(c, ['string', 'number']))).toBe('after');
    expect(fieldOf(() => decodeCursor(encodeCursor(['x', 'y']), ['string', 'number'], 'cursor'))).toBe(
      'cursor',
    );
  });
  it('limits pages', () => {
    expect(clampLimit(undefined, 50, 500)).toBe(50);
    expect(clampLimit(500, 50, 500)).toBe(500);
    expect(fieldOf(() => clampLimit(501, 50, 500))).toBe('limit');
    expect(fieldOf(() => clampLimit(0, 50, 500))).toBe('limit');
  });
});

describe('input parsers', () => {
  it('accept what people type and name the field otherwise', () => {
    expect(parseGroups('tttt, MDSH,TTTT', '--group')).toEqual(['TTTT', 'MDSH']);
    expect(parseGroups(undefined, '--group')).toBeUndefined();
    expect(fieldOf(() => parseGroups('TTTT,PAY', '--group'))).toBe('--group');
    expect(parsePeriodType(undefined, 'period')).toBe('year');
    expect(parsePeriodType('Month', 'period')).toBe('month');
    expect(fieldOf(() => parsePeriodType('week', 'period'))).toBe('period');
    expect(parseDate('2026-02-28', '--from')).toBe('2026-02-28');
    expect(fieldOf(() => parseDate('2026-02-29', '--from'))).toBe('--from');
    expect(fieldOf(() => parseDate('28/02/2026', 'date'))).toBe('date');
    expect(parseKind('AGENCY', '--kind')).toBe('agency');
    expect(fieldOf(() => parseKind('ministry', '--kind'))).toBe('--kind');
    expect(fieldOf(() => checkRange('2026-03-02', '2026-03-01', '--from'))).toBe('--from');
  });
});

describe('compareDays', () => {
  const report = (
    date: string,
    scores: [string, string, number | null, number | null][],
    year = 2026,
  ): ProvinceReportInput => ({
    provinceId: 'p',
    date,
    period: { type: 'year', year, number: 0 },
    units: [],
    scores: scores.map(([unitId, group, score, maxScore]) => ({
      unitId,
      group: group as 'TTTT',
      score,
      maxScore,
      rank: null,
      rankOf: null,
      flags: [],
    })),
  });

  it('marks a decrease of one hundredth, and nothing else', () => {
    const before = report('2026-11-25', [
      ['a', 'TTTT', 6.67, 10],
      ['b', 'TTTT', 5, 10],
      ['c', 'MDSH', null, 22],
      ['d', 'MDSH', 10, 22],
      ['e', 'TTTT', 8, 10],
      ['f', 'CKMB', 9, 18],
    ]);
    const after = report('2026-11-26', [
      ['a', 'TTTT', 6.66, 10], // fall by 0.01
      ['b', 'TTTT', 5, 10], // same
      ['c', 'MDSH', 3, 22], // from no value: not a fall
      ['d', 'MDSH', null, 22], // to no value: not a fall
      ['e', 'TTTT', 7, 12], // new max score: a new epoch, not a fall
      ['f', 'CKMB', 1, 18], // not a watched group
    ]);
    expect(compareDays(after, before, ['TTTT', 'MDSH'])).toEqual([
      {
        unitId: 'a',
        group: 'TTTT',
        before: 6.67,
        after: 6.66,
        source: 'day-over-day',
        kind: 'decrease',
        comparedOn: '2026-11-25',
      },
    ]);
  });

  it('never compares across periods (1 January restarts the year)', () => {
    const before = report('2025-12-31', [['a', 'TTTT', 9, 10]], 2025);
    const after = report('2026-01-01', [['a', 'TTTT', 1, 10]], 2026);
    expect(compareDays(after, before, ['TTTT'])).toEqual([]);
  });
});
