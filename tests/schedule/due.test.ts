import { describe, expect, it } from 'vitest';
import {
  datesBetween,
  firstTickMinuteOfDay,
  latestDueReportDate,
  localClock,
  planCatchUp,
} from '../../src/schedule/due.js';

const VN = { timeZone: 'Asia/Ho_Chi_Minh', cronSchedule: '30 4 * * *', reportDateOffsetDays: 1 };

describe('firstTickMinuteOfDay', () => {
  it.each([
    ['30 4 * * *', 4 * 60 + 30],
    ['0 0 * * *', 0],
    ['15,45 6,18 * * *', 6 * 60 + 15],
    ['0 30 4 * * *', 4 * 60 + 30], // six fields: seconds first
    ['*/10 * * * *', 0],
  ])('%s → %i', (expr, minute) => {
    expect(firstTickMinuteOfDay(expr)).toBe(minute);
  });
});

describe('localClock', () => {
  it('reads the date and time in the zone, not UTC', () => {
    // 2026-11-26T22:00Z is 05:00 on the 27th in Vietnam (UTC+7).
    expect(localClock(new Date('2026-11-26T22:00:00Z'), 'Asia/Ho_Chi_Minh')).toEqual({
      date: '2026-11-27',
      minuteOfDay: 5 * 60,
    });
  });
});

describe('latestDueReportDate', () => {
  it.each([
    // now (UTC)                  local time          latest due report date
    ['2026-11-26T22:00:00Z', '2026-11-27 05:00 → capture 27th', '2026-11-26'],
    ['2026-11-26T21:30:00Z', '2026-11-27 04:30 exactly', '2026-11-26'],
    ['2026-11-26T21:29:00Z', '2026-11-27 04:29, before the tick', '2026-11-25'],
    ['2026-11-26T20:00:00Z', '2026-11-27 03:00', '2026-11-25'],
    ['2026-11-26T16:59:00Z', '2026-11-26 23:59', '2026-11-25'],
    ['2026-12-31T21:30:00Z', '2027-01-01 04:30, new year', '2026-12-31'],
    ['2027-03-01T00:00:00Z', '2027-03-01 07:00', '2027-02-28'],
  ])('%s (%s) → %s', (now, _label, expected) => {
    expect(latestDueReportDate(new Date(now), VN)).toBe(expected);
  });

  it('honours the offset and the time zone', () => {
    const now = new Date('2026-11-27T02:00:00Z');
    expect(latestDueReportDate(now, { ...VN, reportDateOffsetDays: 0 })).toBe('2026-11-27');
    expect(latestDueReportDate(now, { ...VN, reportDateOffsetDays: 2 })).toBe('2026-11-25');
    // In UTC the 04:30 tick of the 27th has not come yet at 02:00.
    expect(latestDueReportDate(now, { ...VN, timeZone: 'UTC' })).toBe('2026-11-25');
  });
});

describe('datesBetween', () => {
  it('lists the days strictly between', () => {
    expect(datesBetween('2026-11-20', '2026-11-24')).toEqual(['2026-11-21', '2026-11-22', '2026-11-23']);
    expect(datesBetween('2026-11-20', '2026-11-21')).toEqual([]);
    expect(datesBetween('2026-11-20', '2026-11-20')).toEqual([]);
    expect(datesBetween('2026-02-27', '2026-03-02')).toEqual(['2026-02-28', '2026-03-01']);
  });
});

describe('planCatchUp', () => {
  it('enqueues the latest due day and records the days between as gaps', () => {
    expect(planCatchUp('2026-11-26', '2026-11-22')).toEqual({
      enqueue: '2026-11-26',
      gaps: ['2026-11-23', '2026-11-24', '2026-11-25'],
    });
  });
  it('does nothing when the latest due day is stored', () => {
    expect(planCatchUp('2026-11-26', '2026-11-26')).toEqual({ enqueue: null, gaps: [] });
  });
  it('invents no history for a province never run', () => {
    expect(planCatchUp('2026-11-26', null)).toEqual({ enqueue: '2026-11-26', gaps: [] });
  });
  it('has no gap after yesterday', () => {
    expect(planCatchUp('2026-11-26', '2026-11-25')).toEqual({ enqueue: '2026-11-26', gaps: [] });
  });
});
