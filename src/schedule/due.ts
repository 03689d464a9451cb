/**
 * Which report date is due, as pure functions of an injected `now`. A capture on day D (in
 * the configured time zone) describes report date D − offset; before today's scheduled time
 * the latest due capture is yesterday's, so the latest due report date is one day earlier.
 */
import cron from 'node-cron';
import { addDays, daysBetween, type IsoDate } from '../domain.js';

export interface DueOptions {
  readonly timeZone: string;
  readonly cronSchedule: string;
  readonly reportDateOffsetDays: number;
}

/** Minutes after local midnight of the first tick of the day the cron expression fires. */
export function firstTickMinuteOfDay(cronSchedule: string): number {
  const f = cron.parse(cronSchedule);
  const hour = Math.min(...f.hour);
  const minute = Math.min(...f.minute);
  return hour * 60 + minute;
}

/** Local calendar date and minute of day of an instant in a time zone. */
export function localClock(now: Date, timeZone: string): { date: IsoDate; minuteOfDay: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    minuteOfDay: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

/** The report date a capture taken at `now` describes (the scheduled tick's date − offset). */
export function reportDateOfCapture(
  now: Date,
  opts: Pick<DueOptions, 'timeZone' | 'reportDateOffsetDays'>,
): IsoDate {
  return addDays(localClock(now, opts.timeZone).date, -opts.reportDateOffsetDays);
}

/**
 * The latest report date whose scheduled capture time has passed at `now`.
 * E.g. schedule 04:30 Asia/Ho_Chi_Minh, offset 1: at 2026-11-27 05:00 local → 2026-11-26;
 * at 2026-11-27 03:00 local → 2026-11-25.
 */
export function latestDueReportDate(now: Date, opts: DueOptions): IsoDate {
  const clock = localClock(now, opts.timeZone);
  const captureDate =
    clock.minuteOfDay >= firstTickMinuteOfDay(opts.cronSchedule) ? clock.date : addDays(clock.date, -1);
  return addDays(captureDate, -opts.reportDateOffsetDays);
}

/** Days strictly between `after` and `before` (both excluded); empty when they touch. */
export function datesBetween(after: IsoDate, before: IsoDate): IsoDate[] {
  const n = daysBetween(after, before);
  const out: IsoDate[] = [];
  for (let i = 1; i < n; i++) out.push(addDays(after, i));
  return out;
}

export interface CatchUpPlan {
  /** The day to enqueue, or null when it already has a stored run. */
  readonly enqueue: IsoDate | null;
  /** Days between the last stored run and the latest due one, to record as gaps. */
  readonly gaps: IsoDate[];
}

/**
 * What catch-up does for one province: enqueue the latest due day unless it is stored; the
 * days between the last stored day and it are gaps (a province never run has no gaps — we
 * do not invent a history that was never watched).
 */
export function planCatchUp(latestDue: IsoDate, lastStored: IsoDate | null): CatchUpPlan {
  if (lastStored !== null && lastStored >= latestDue) return { enqueue: null, gaps: [] };
  return { enqueue: latestDue, gaps: lastStored === null ? [] : datesBetween(lastStored, latestDue) };
}
