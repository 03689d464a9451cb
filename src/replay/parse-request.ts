/**
 * Checks a request body the way the portal's validation would (integers, known period types,
 * the fields each endpoint needs) and says which of the eight calls it is. Unknown extra
 * fields (e.g. `formalityId`) are accepted, as the portal accepts them.
 */
import { isIsoDate, type Period } from '../domain.js';
import { type CallName, ENDPOINTS, type EndpointName, periodRange } from '../source/requests.js';

export interface ReplayRequest {
  readonly endpoint: EndpointName;
  readonly call: CallName;
  /** The period asked for; for handling-satisfaction the whole period its date range covers. */
  readonly period: Period | null;
  readonly rootDepartmentId: string | null;
  readonly currentPage: number;
  readonly pageSize: number | null;
  readonly body: Readonly<Record<string, unknown>>;
}

export type ParseResult = { ok: true; request: ReplayRequest } | { ok: false; messages: string[] };

export function isEndpointName(s: string): s is EndpointName {
  return (ENDPOINTS as readonly string[]).includes(s);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function parsePeriodFields(b: Record<string, unknown>, errors: string[]): Period | null {
  const t = b['timeType'];
  if (t !== 'year' && t !== 'quarter' && t !== 'month') {
    errors.push('timeType must be one of the following values: year, quarter, month');
    return null;
  }
  const year = b['year'];
  if (!isInt(year) || year < 2000 || year > 2100) errors.push('year must be an integer number');
  if (t === 'quarter') {
    const q = b['quarter'];
    if (!isInt(q) || q < 1 || q > 4) errors.push('quarter must be an integer between 1 and 4');
    return errors.length ? null : { type: 'quarter', year: year as number, number: q as number };
  }
  if (t === 'month') {
    const m = b['month'];
    if (!isInt(m) || m < 1 || m > 12) errors.push('month must be an integer between 1 and 12');
    return errors.length ? null : { type: 'month', year: year as number, number: m as number };
  }
  return errors.length ? null : { type: 'year', year: year as number, number: 0 };
}

/** The whole period a handling-satisfaction range covers, or null for any other range. */
export function periodOfRange(fromDate: string, toDate: string): Period | null {
  const year = Number(fromDate.slice(0, 4));
  const candidates: Period[] = [
    { type: 'year', year, number: 0 },
    ...[1, 2, 3, 4].map((n): Period => ({ type: 'quarter', year, number: n })),
    ...Array.from({ length: 12 }, (_, i): Period => ({ type: 'month', year, number: i + 1 })),
  ];
  return (
    candidates.find((p) => {
      const r = periodRange(p);
      return r.fromDate === fromDate && r.toDate === toDate;
    }) ?? null
  );
}

/** Validate and classify one API body. */
export function parseReplayRequest(endpoint: EndpointName, body: unknown): ParseResult {
  const errors: string[] = [];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, messages: ['request body must be a JSON object'] };
  }
  const b = body as Record<string, unknown>;
  let call: CallName = endpoint;
  let period: Period | null = null;
  let root: string | null = null;
  let currentPage = 1;
  let pageSize: number | null = null;

  if (endpoint === 'service-results') {
    if (b['departmentType'] !== undefined) {
      call = 'national';
      if (b['departmentType'] !== 'ADMINISTRATIVE_UNIT')
        errors.push('departmentType must be one of the following values: ADMINISTRATIVE_UNIT');
    } else if (typeof b['rootDepartmentId'] !== 'string' || b['rootDepartmentId'] === '') {
      errors.push('rootDepartmentId must be a string (or send departmentType ADMINISTRATIVE_UNIT)');
    }
    period = parsePeriodFields(b, errors);
  } else {
    if (endpoint === 'handling-satisfaction') {
      const f = b['fromDate'];
      const t = b['toDate'];
      if (typeof f !== 'string' || !isIsoDate(f))
        errors.push('fromDate must be a valid ISO 8601 date string');
      if (typeof t !== 'string' || !isIsoDate(t)) errors.push('toDate must be a valid ISO 8601 date string');
      if (errors.length === 0) {
        if ((f as string) > (t as string)) errors.push('fromDate must not be after toDate');
        else period = periodOfRange(f as string, t as string);
      }
    } else {
      period = parsePeriodFields(b, errors);
    }
    if (typeof b['rootDepartmentId'] !== 'string' || b['rootDepartmentId'] === '')
      errors.push('rootDepartmentId must be a string');
    const cp = b['currentPage'];
    const ps = b['pageSize'];
    if (cp !== undefined && (!isInt(cp) || cp < 1)) errors.push('currentPage must not be less than 1');
    if (ps !== undefined && (!isInt(ps) || ps < 1 || ps > 1000))
      errors.push('pageSize must be an integer between 1 and 1000');
    if (isInt(cp)) currentPage = cp;
    if (isInt(ps)) pageSize = ps;
  }
  if (typeof b['rootDepartmentId'] === 'string') root = b['rootDepartmentId'];
  if (errors.length > 0) return { ok: false, messages: errors };
  return {
    ok: true,
    request: { endpoint, call, period, rootDepartmentId: root, currentPage, pageSize, body: b },
  };
}

/** The body with keys sorted (recursively): the recordings index's key. */
export function canonicalBody(body: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(body));
}
