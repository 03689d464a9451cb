/**
 * What we ask the portal, and how: the eight calls of one province-period (the national
 * list, the province's own list, the six component endpoints) with their exact request
 * bodies as the recordings show them (PORTAL_API.md §3–4). The client, the replay portal
 * and the collect stage all build requests here, so they cannot drift apart.
 */
import { type Period, periodKey } from '../domain.js';
import catalog from './provinces.json' with { type: 'json' };

export const EVALUATION_PAGE_PATH = '/danh-gia-chat-luong-phuc-vu';
export const API_PREFIX = '/api/v1/reporting/evaluation/';

/** Portal endpoint names (the last path segment). */
export const ENDPOINTS = [
  'service-results',
  'transparency',
  'dvc-progress-tree',
  'provide-online-tree',
  'formality-online-payment-tree',
  'dossier-digitized',
  'handling-satisfaction',
] as const;
export type EndpointName = (typeof ENDPOINTS)[number];

/**
 * The calls of a province-period. `service-results` has two modes, told apart here:
 * `national` (the 34 provinces) and `service-results` (one province's units).
 */
export const CALLS = [
  'national',
  'service-results',
  'transparency',
  'dvc-progress-tree',
  'provide-online-tree',
  'formality-online-payment-tree',
  'dossier-digitized',
  'handling-satisfaction',
] as const;
export type CallName = (typeof CALLS)[number];

export function endpointOf(call: CallName): EndpointName {
  return call === 'national' ? 'service-results' : call;
}

/** Page sizes the recordings were captured with (one page held all ~160 units of Phú Thọ). */
export const PAGE_SIZE: Readonly<Record<Exclude<CallName, 'national' | 'service-results'>, number>> = {
  transparency: 200,
  'dvc-progress-tree': 100,
  'provide-online-tree': 200,
  'formality-online-payment-tree': 100,
  'dossier-digitized': 200,
  'handling-satisfaction': 200,
};

export interface ProvinceRef {
  readonly id: string;
  readonly code: string;
  readonly name: string;
}

/** The 34 provinces (ids, codes, names at the time of the catalogue). */
export const PROVINCES: readonly ProvinceRef[] = catalog.provinces;

export function provinceByCode(code: string): ProvinceRef | undefined {
  return PROVINCES.find((p) => p.code === code.toUpperCase());
}

export interface PlannedCall {
  readonly call: CallName;
  readonly path: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly periodKey: string;
  readonly page: number;
}

function periodFields(p: Period): Record<string, unknown> {
  if (p.type === 'year') return { timeType: 'year', year: p.year };
  if (p.type === 'quarter') return { timeType: 'quarter', year: p.year, quarter: p.number };
  return { timeType: 'month', year: p.year, month: p.number };
}

/** `fromDate`/`toDate` of a period, as handling-satisfaction wants (whole period). */
export function periodRange(p: Period): { fromDate: string; toDate: string } {
  const pad = (n: number) => String(n).padStart(2, '0');
  const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (p.type === 'year') return { fromDate: `${p.year}-01-01`, toDate: `${p.year}-12-31` };
  const first = p.type === 'quarter' ? (p.number - 1) * 3 + 1 : p.number;
  const last = p.type === 'quarter' ? first + 2 : first;
  return {
    fromDate: `${p.year}-${pad(first)}-01`,
    toDate: `${p.year}-${pad(last)}-${pad(lastDay(p.year, last))}`,
  };
}

/** The request of one call; `page` > 1 only for a component endpoint that proved it has more. */
export function planCall(call: CallName, provinceId: string, period: Period, page = 1): PlannedCall {
  const path = API_PREFIX + endpointOf(call);
  const key = periodKey(period);
  if (call === 'national') {
    return {
      call,
      path,
      periodKey: key,
      page: 1,
      body: { ...periodFields(period), departmentType: 'ADMINISTRATIVE_UNIT' },
    };
  }
  if (call === 'service-results') {
    return {
      call,
      path,
      periodKey: key,
      page: 1,
      body: { ...periodFields(period), rootDepartmentId: provinceId },
    };
  }
  const paging = { currentPage: page, pageSize: PAGE_SIZE[call] };
  if (call === 'handling-satisfaction') {
    return {
      call,
      path,
      periodKey: key,
      page,
      body: { ...periodRange(period), rootDepartmentId: provinceId, ...paging },
    };
  }
  return {
    call,
    path,
    periodKey: key,
    page,
    body: { ...periodFields(period), rootDepartmentId: provinceId, ...paging },
  };
}

/** The eight first-page calls of one province and period, national list first. */
export function planProvincePeriod(provinceId: string, period: Period): PlannedCall[] {
  return CALLS.map((c) => planCall(c, provinceId, period));
}
