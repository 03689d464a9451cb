/**
 * The vocabulary shared by every stage: groups, periods, units and the fixed-point score
 * arithmetic. Scores are JSON numbers with at most two decimals on the wire and
 * `numeric(6,2)` in PostgreSQL; we compare them as integer hundredths so that 6.67 - 6.66 is
 * exactly one step, never 0.009999.
 */

/** The six QĐ766 groups in the order the province's report lists them. */
export const GROUP_CODES = ['CKMB', 'TDGQ', 'CLGQ', 'TTTT', 'MDSH', 'MDHL'] as const;
export type GroupCode = (typeof GROUP_CODES)[number];

/** `TOTAL` is the unit's score out of 100; the others are the groups. */
export const SCORE_GROUPS = ['TOTAL', ...GROUP_CODES] as const;
export type ScoreGroup = (typeof SCORE_GROUPS)[number];

/** Maximum points of each group as published with QĐ766 (the portal also sends them). */
export const GROUP_MAX: Readonly<Record<GroupCode, number>> = Object.freeze({
  CKMB: 18,
  TDGQ: 20,
  CLGQ: 12,
  TTTT: 10,
  MDSH: 22,
  MDHL: 18,
});

/** Vietnamese labels, as the provincial office writes them. */
export const GROUP_LABELS: Readonly<Record<ScoreGroup, string>> = Object.freeze({
  TOTAL: 'Tổng điểm',
  CKMB: 'Công khai, minh bạch',
  TDGQ: 'Tiến độ giải quyết',
  CLGQ: 'Dịch vụ công trực tuyến',
  TTTT: 'Thanh toán trực tuyến',
  MDSH: 'Số hóa hồ sơ',
  MDHL: 'Mức độ hài lòng',
});

export function isGroupCode(value: string): value is GroupCode {
  return (GROUP_CODES as readonly string[]).includes(value);
}
export function isScoreGroup(value: string): value is ScoreGroup {
  return (SCORE_GROUPS as readonly string[]).includes(value);
}

export type UnitKind = 'province' | 'agency' | 'commune';

export type PeriodType = 'year' | 'quarter' | 'month';
export const PERIOD_TYPES: readonly PeriodType[] = ['year', 'quarter', 'month'];

/**
 * A scoring period. `number` is the quarter (1–4) or month (1–12); it is 0 for a year so the
 * triple can be a primary key (an identifier, not a score: no null-vs-0 question arises).
 */
export interface Period {
  readonly type: PeriodType;
  readonly year: number;
  readonly number: number;
}

/** Stable text key of a period: `2026`, `2026-Q3`, `2026-M08`. */
export function periodKey(p: Period): string {
  if (p.type === 'year') return String(p.year);
  if (p.type === 'quarter') return `${p.year}-Q${p.number}`;
  return `${p.year}-M${String(p.number).padStart(2, '0')}`;
}

/** Inverse of {@link periodKey}; returns null for anything else. */
export function parsePeriodKey(key: string): Period | null {
  let m = /^(\d{4})$/.exec(key);
  if (m) return { type: 'year', year: Number(m[1]), number: 0 };
  m = /^(\d{4})-Q([1-4])$/.exec(key);
  if (m) return { type: 'quarter', year: Number(m[1]), number: Number(m[2]) };
  m = /^(\d{4})-M(0[1-9]|1[0-2])$/.exec(key);
  if (m) return { type: 'month', year: Number(m[1]), number: Number(m[2]) };
  return null;
}

/** The period of the given type that contains an ISO date (`YYYY-MM-DD`). */
export function periodOf(type: PeriodType, isoDate: string): Period {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  if (type === 'year') return { type, year, number: 0 };
  if (type === 'quarter') return { type, year, number: Math.floor((month - 1) / 3) + 1 };
  return { type, year, number: month };
}

/** Score in integer hundredths (fixed point); `null` stays `null`. */
export function toCents(score: number | null): number | null {
  return score === null ? null : Math.round(score * 100);
}

/** Parse a `numeric` column as pg returns it (a string) into a number; `null` stays `null`. */
export function fromNumeric(value: string | number | null): number | null {
  if (value === null) return null;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`not a number: ${String(value)}`);
  return n;
}

/** NFC-normalise a name; the portal sometimes sends NFD (combining marks). */
export function nfc(name: string): string {
  return name.normalize('NFC');
}

/**
 * Accent- and case-insensitive search key: `"Sở Y tế"` → `"so y te"`. `đ` has no
 * decomposition in Unicode, so it is mapped by hand.
 */
export function searchKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** An ISO calendar date `YYYY-MM-DD`. */
export type IsoDate = string;

export const ISO_DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/**
 * A real calendar date in `YYYY-MM-DD`, year 0001–9999 (PostgreSQL has no year 0: `0000-01-01`
 * would fail there, so it is not a date here either).
 */
export function isIsoDate(value: string): boolean {
  if (!ISO_DATE_RE.test(value) || value.startsWith('0000')) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** Add whole days to an ISO date (calendar arithmetic in UTC, no time zone involved). */
export function addDays(isoDate: IsoDate, days: number): IsoDate {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** The calendar date of an instant in an IANA time zone. */
export function dateInZone(instant: Date, timeZone: string): IsoDate {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
