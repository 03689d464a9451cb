/**
 * Validation of what a person passes to the read faces (CLI flags, HTTP query parameters).
 * Each parser throws InputError naming the field as the face spells it (`--group` on the
 * command line, `group` over HTTP) and the values that would work.
 */
import {
  type IsoDate,
  isIsoDate,
  isScoreGroup,
  PERIOD_TYPES,
  type PeriodType,
  SCORE_GROUPS,
  type ScoreGroup,
  type UnitKind,
} from '../domain.js';
import { InputError } from '../errors.js';
import { printableValue, textFault } from '../text.js';

/** Earliest and latest dates a query may name (the index began in 2020; 9999 is the columns' end). */
export const DATE_MIN = '1900-01-01';
export const DATE_MAX = '9999-12-31';
/** Longest free text a query parameter may hold (names are under 120 characters). */
export const TEXT_MAX = 200;

/**
 * Free text from a person (a search, a unit reference, a province code): at most
 * {@link TEXT_MAX} characters, no control characters (a NUL byte cannot reach PostgreSQL).
 */
export function checkText(
  value: string,
  field: string,
  max = TEXT_MAX,
  opts: { secret?: boolean } = {},
): string {
  const fault = textFault(value);
  if (fault !== null)
    throw new InputError(
      field,
      `${opts.secret ? 'the value' : printableValue(value, 60)} has ${fault}; type plain text`,
    );
  if (value.length > max) throw new InputError(field, `is ${value.length} characters long; at most ${max}`);
  return value;
}

/** {@link checkText} for an optional value. */
export function checkOptionalText(
  value: string | undefined,
  field: string,
  max = TEXT_MAX,
): string | undefined {
  return value === undefined ? undefined : checkText(value, field, max);
}

export function parseGroup(value: string, field: string): ScoreGroup {
  const v = value.trim().toUpperCase();
  if (isScoreGroup(v)) return v;
  throw new InputError(
    field,
    `${printableValue(value, 60)} is not a group; use one of ${SCORE_GROUPS.join(', ')}`,
  );
}

/** A comma-separated list of groups (`TTTT,MDSH`); empty → undefined (all). */
export function parseGroups(value: string | undefined, field: string): ScoreGroup[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return [...new Set(value.split(',').map((g) => parseGroup(g, field)))];
}

export function parsePeriodType(
  value: string | undefined,
  field: string,
  def: PeriodType = 'year',
): PeriodType {
  if (value === undefined || value === '') return def;
  const v = value.trim().toLowerCase();
  if ((PERIOD_TYPES as readonly string[]).includes(v)) return v as PeriodType;
  throw new InputError(
    field,
    `${printableValue(value, 60)} is not a period; use one of ${PERIOD_TYPES.join(', ')}`,
  );
}

/** A calendar date that queries and the database can use: YYYY-MM-DD from {@link DATE_MIN} to {@link DATE_MAX}. */
export function isUsableDate(value: string): boolean {
  return isIsoDate(value) && value >= DATE_MIN && value <= DATE_MAX;
}

export function parseDate(value: string | undefined, field: string): IsoDate | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim();
  if (isUsableDate(v)) return v;
  throw new InputError(
    field,
    `${printableValue(value, 60)} is not a date from ${DATE_MIN} to ${DATE_MAX}; use YYYY-MM-DD, e.g. 2026-11-26`,
  );
}

/** from ≤ to, when both are given. */
export function checkRange(from: IsoDate | undefined, to: IsoDate | undefined, fromField: string): void {
  if (from !== undefined && to !== undefined && from > to) {
    throw new InputError(fromField, `${from} is after the end of the range (${to})`);
  }
}

const KINDS: readonly UnitKind[] = ['province', 'agency', 'commune'];

export function parseKind(value: string | undefined, field: string): UnitKind | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim().toLowerCase();
  if ((KINDS as readonly string[]).includes(v)) return v as UnitKind;
  throw new InputError(
    field,
    `${printableValue(value, 60)} is not a kind of unit; use agency, commune or province`,
  );
}

export function parseYear(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim();
  if (/^\d{4}$/.test(v) && Number(v) >= 1900) return Number(v);
  throw new InputError(field, `${printableValue(value, 60)} is not a year like 2026 (1900–9999)`);
}

export function parseLimit(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d{1,6}$/.test(value.trim())) return Number(value.trim());
  throw new InputError(field, `${printableValue(value, 60)} is not a whole number`);
}

/** One of a fixed list of values. */
export function parseOneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  field: string,
): T | undefined {
  if (value === undefined || value === '') return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(field, `${printableValue(value, 60)} is not one of ${allowed.join(', ')}`);
}
