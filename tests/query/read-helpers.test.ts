/** Pure pieces of the read side: cursors, input parsers, the day-over-day comparison. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { clampLimit, decodeCursor, encodeCursor } from '../../src/query/cursor.js';
import { compareDays } from '../../src/query/falls.js';
import {
  checkRange,
  checkText,
  parseDate,
  parseGroups,
  parseKind,
  parseLimit,
  parsePeriodType,
  parseYear,
} from '../../src/query/inputs.js';
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
    expect(decodeCursor(c, ['date', 'int', 'int'])).toEqual(['2026-11-26', 2026, 0]);
    expect(fieldOf(() => decodeCursor('%%%', ['text']))).toBe('after');
    expect(fieldOf(() => decodeCursor(c, ['date', 'int']))).toBe('after');
    expect(fieldOf(() => decodeCursor(encodeCursor(['x', 'y']), ['text', 'id'], 'cursor'))).toBe('cursor');
  });
  it('refuse hand-made keys the columns cannot hold, element by element', () => {
    const bad: [readonly (string | number)[], Parameters<typeof decodeCursor>[1]][] = [
      [
        ['0000-01-01', 1],
        ['date', 'id'],
      ], // PostgreSQL has no year 0
      [
        ['2026-02-30', 1],
        ['date', 'id'],
      ],
      [
        ['10000-01-01', 1],
        ['date', 'id'],
      ],
      [
        ['2026-11-26', 1.5],
        ['date', 'id'],
      ], // fractional id
      [
        ['2026-11-26', 0],
        ['date', 'id'],
      ],
      [
        ['2026-11-26', -3],
        ['date', 'id'],
      ],
      [
        ['2026-11-26', 2 ** 53],
        ['date', 'id'],
      ], // beyond exact integers
      [
        ['2026-11-26', 1e300],
        ['date', 'id'],
      ],
      [
        ['2026-11-26', 2 ** 31, 0],
        ['date', 'int', 'int'],
      ], // out of integer range
      [
        ['2026-11-26', 2026, 0.5],
        ['date', 'int', 'int'],
      ],
      [
        ['2026-11-26', 2026, 0, 'TTTT\u0000', 'X'],
        ['date', 'int', 'int', 'text', 'text'],
      ],
      [
        ['2026-11-26', 2026, 0, 'TTTT', 'x'.repeat(201)],
        ['date', 'int', 'int', 'text', 'text'],
      ],
    ];
    for (const [key, types] of bad)
      expect(
        fieldOf(() => decodeCursor(encodeCursor(key), types)),
        String(key),
      ).toBe('after');
    expect(fieldOf(() => decodeCursor(Buffer.from('[1e400]').toString('base64url'), ['id']))).toBe('after');
    expect(fieldOf(() => decodeCursor('A'.repeat(5000), ['text']))).toBe('after');
    expect(decodeCursor(encodeCursor(['2026-11-26', 9007199254740991]), ['date', 'id'])).toEqual([
      '2026-11-26',
      9007199254740991,
    ]);
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
  it('refuse dates PostgreSQL cannot hold and text it cannot store', () => {
    for (const d of [
      '0000-01-01',
      '1899-12-31',
      '10000-01-01',
      '+002026-01-01',
      '2026-13-01',
      ' ',
      '2026-11-26\u0000',
    ])
      expect(
        fieldOf(() => parseDate(d, '--date')),
        d,
      ).toBe('--date');
    expect(parseDate('1900-01-01', 'from')).toBe('1900-01-01');
    expect(parseDate('9999-12-31', 'to')).toBe('9999-12-31');
    expect(fieldOf(() => parseYear('0000', 'year'))).toBe('year');
    expect(parseYear('2026', 'year')).toBe(2026);
    expect(fieldOf(() => parseLimit('1e3', 'limit'))).toBe('limit');
    for (const t of ['a\u0000b', '\u001b[2J', 'x\u009b', 'abc\u202e', '\ud800', 'x'.repeat(201)])
      expect(
        fieldOf(() => checkText(t, 'q')),
        JSON.stringify(t),
      ).toBe('q');
    expect(checkText("Sở Y tế' or 1=1 -- %_", 'q')).toBe("Sở Y tế' or 1=1 -- %_");
    // the echo of a bad value never carries the raw control character
    try {
      parseDate('\u001b[31m2026', 'date');
    } catch (e) {
      expect((e as Error).message).not.toMatch(/\u001b/);
      expect((e as Error).message).toContain('\\x1b[31m2026');
    }
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
