/**
 * Anchoring a scenario to the calendar: every listed report date moves by the same number of
 * days so that the scenario's last day falls on a chosen date — `due` (the latest due report
 * date, as the scheduler computes it from TZ, CRON_SCHEDULE and REPORT_DATE_OFFSET_DAYS) or a
 * given YYYY-MM-DD. The story (which day falls, which recovers, the gaps between listed days)
 * is unchanged; only the calendar moves. This is what lets the `try` stack show a history
 * ending yesterday on whatever day it is started.
 */
import { addDays, daysBetween, type IsoDate } from '../domain.js';
import { InputError } from '../errors.js';
import { isUsableDate } from '../query/inputs.js';
import { type DueOptions, latestDueReportDate } from '../schedule/due.js';
import { printableValue } from '../text.js';
import { parseScenario, type Scenario, scenarioDates } from './scenario.js';

export interface AnchoredScenario {
  readonly scenario: Scenario;
  /** Days every report date moved by (0 when it already ended on the anchor). */
  readonly shiftDays: number;
  readonly firstDay: IsoDate;
  readonly lastDay: IsoDate;
}

/** The anchor date of `--anchor due|YYYY-MM-DD` (InputError naming the flag otherwise). */
export function resolveAnchor(value: string, now: Date, due: DueOptions, flag = '--anchor'): IsoDate {
  const v = value.trim();
  if (v === 'due') return latestDueReportDate(now, due);
  if (isUsableDate(v)) return v;
  throw new InputError(
    flag,
    `${printableValue(value, 40)} is neither "due" (the latest due report date) nor a date like 2026-11-20`,
  );
}

/** The scenario with every listed day moved so that its last one is `lastDay`. Pure. */
export function anchorScenario(s: Scenario, lastDay: IsoDate): AnchoredScenario {
  const dates = scenarioDates(s);
  const shift = daysBetween(dates[dates.length - 1]!, lastDay);
  const days: Record<string, Scenario['days'][string]> = {};
  for (const d of dates) days[addDays(d, shift)] = s.days[d]!;
  const description =
    shift === 0
      ? s.description
      : `${s.description ?? s.province.code} (anchored: moved ${shift > 0 ? '+' : ''}${shift} day(s) to end on ${lastDay})`;
  const scenario = parseScenario(
    { ...s, ...(description !== undefined ? { description } : {}), days },
    'anchored scenario',
  );
  return { scenario, shiftDays: shift, firstDay: addDays(dates[0]!, shift), lastDay };
}
