import { describe, expect, it } from 'vitest';
import {
  addDays,
  dateInZone,
  daysBetween,
  isIsoDate,
  parsePeriodKey,
  periodKey,
  periodOf,
  searchKey,
  toCents,
} from '../src/domain.js';

describe('domain helpers', () => {
  it('keys periods and parses them back', () => {
    for (const [type, date, key] of [
      ['year', '2026-11-26', '2026'],
      ['quarter', '2026-11-26', '2026-Q4'],
      ['month', '2026-02-01', '2026-M02'],
    ] as const) {
      const p = periodOf(type, date);
      expect(periodKey(p)).toBe(key);
      expect(parsePeriodKey(key)).toEqual(p);
    }
    expect(parsePeriodKey('2026-Q5')).toBeNull();
  });

  it('folds accents and đ for search', () => {
    expect(searchKey('Sở Y tế')).toBe('so y te');
    expect(searchKey('UBND tỉnh Điện Biên')).toBe('ubnd tinh dien bien');
    // NFD input (combining marks, as the portal sometimes sends) folds the same way.
    expect(searchKey('Phú'.normalize('NFD'))).toBe('phu');
  });

  it('does fixed-point and calendar arithmetic', () => {
    expect(toCents(6.67)).toBe(667);
    expect(toCents(null)).toBeNull();
    expect((toCents(6.67) ?? 0) - (toCents(6.66) ?? 0)).toBe(1);
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-11-20', '2026-11-26')).toBe(6);
    expect(isIsoDate('2026-02-30')).toBe(false);
    expect(isIsoDate('2026-02-28')).toBe(true);
    // 23:30 UTC on the 26th is already the 27th in Hà Nội.
    expect(dateInZone(new Date('2026-11-26T23:30:00Z'), 'Asia/Ho_Chi_Minh')).toBe('2026-11-27');
  });
});
