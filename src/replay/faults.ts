/**
 * Faults on demand: rules that turn one call's n-th request (or every request) into one of the
 * ways the real portal and its WAF misbehave. Rules are set by option, by file, or over HTTP
 * (`POST /__replay/faults`). Requests the page's own script makes (header `x-replay-spa: 1`)
 * never count and are never faulted.
 *
 * Counting: every non-SPA request of a call increments that call's counter (1-based) and, for
 * API calls, the `*` counter. Setting rules or resetting the server restarts all counters. The
 * first rule (in list order) that matches fires: `onRequest: n` matches from the n-th request
 * on, `'all'` (the default) matches every request; `times` caps how often a rule fires
 * (default 1 with a number, unlimited with `'all'`).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { CALLS, type CallName } from '../source/requests.js';

export const FAULT_KINDS = [
  '403',
  '429',
  '500',
  '502',
  '503',
  'hang',
  'drop',
  'invalid-json',
  'code-not-ok',
  'missing-field',
  'missing-unit',
  'second-page',
  'maintenance',
  'login',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Kinds that only make sense on a JSON answer (rejected for `call: 'page'`). */
const JSON_ONLY: readonly FaultKind[] = [
  'invalid-json',
  'code-not-ok',
  'missing-field',
  'missing-unit',
  'second-page',
];

export type FaultTarget = CallName | 'page' | '*';

export const faultRuleSchema = z
  .object({
    /** Which call: one of CALLS (`national` is service-results' national mode), `page`, or `*` (any API call). */
    call: z.enum([...CALLS, 'page', '*'] as [FaultTarget, ...FaultTarget[]]),
    /** 1-based request number of that call from which the rule fires, or `all`. */
    onRequest: z.union([z.number().int().min(1), z.literal('all')]).optional(),
    /** How many times the rule fires (default 1 with a number, unlimited with `all`). */
    times: z.number().int().min(1).optional(),
    kind: z.enum(FAULT_KINDS),
    /** missing-field: dotted path to delete (default `data.evaluation`, or `data.children.0.departmentId` on trees). */
    field: z.string().min(1).optional(),
    /** missing-unit: the departmentId to leave out (default the list's first unit). */
    unitId: z.string().min(1).optional(),
  })
  .strict()
  .refine((r) => !(r.call === 'page' && JSON_ONLY.includes(r.kind)), {
    message:
      'this kind changes a JSON answer; the page is HTML (use 403, 429, 5xx, hang, drop, maintenance or login)',
  });

export type FaultRule = z.infer<typeof faultRuleSchema>;

/** Validate a list of rules (InputError naming the rule and field). */
export function parseFaultRules(value: unknown, source = 'faults'): FaultRule[] {
  const list =
    value !== null && typeof value === 'object' && 'rules' in (value as object)
      ? (value as { rules: unknown }).rules
      : value;
  const res = z.array(faultRuleSchema).safeParse(list);
  if (res.success) return res.data;
  const lines = res.error.issues.slice(0, 6).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new InputError(
    source,
    `not a valid fault list (an array of {call, kind, onRequest?, times?}):\n  ${lines.join('\n  ')}`,
  );
}

/** Read a JSON file of fault rules (an array, or `{ "rules": [...] }`). */
export async function loadFaultRules(file: string): Promise<FaultRule[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new InputError('--faults', `cannot read ${file} as JSON: ${(e as Error).message}`);
  }
  return parseFaultRules(json, '--faults');
}

/** The counters and fired-counts of a rule list. */
export class FaultPlan {
  private rules: FaultRule[] = [];
  private fired: number[] = [];
  private counters = new Map<string, number>();

  constructor(rules: readonly FaultRule[] = []) {
    this.set(rules);
  }

  set(rules: readonly FaultRule[]): void {
    this.rules = [...rules];
    this.reset();
  }

  list(): readonly FaultRule[] {
    return this.rules;
  }

  /** Restart counting (rules stay). */
  reset(): void {
    this.fired = this.rules.map(() => 0);
    this.counters.clear();
  }

  /** Count one non-SPA request and return the rule that fires for it, if any. */
  next(call: CallName | 'page'): FaultRule | null {
    const n = (this.counters.get(call) ?? 0) + 1;
    this.counters.set(call, n);
    let any = 0;
    if (call !== 'page') {
      any = (this.counters.get('*') ?? 0) + 1;
      this.counters.set('*', any);
    }
    for (const [i, r] of this.rules.entries()) {
      const count = r.call === '*' ? (call === 'page' ? -1 : any) : r.call === call ? n : -1;
      if (count < 0) continue;
      const from = r.onRequest === undefined || r.onRequest === 'all' ? 1 : r.onRequest;
      const limit = r.times ?? (typeof r.onRequest === 'number' ? 1 : Number.POSITIVE_INFINITY);
      if (count >= from && this.fired[i]! < limit) {
        this.fired[i] = this.fired[i]! + 1;
        return r;
      }
    }
    return null;
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** F5 BIG-IP ASM-style block page, as collectors describe it. */
export function wafPage(supportId: string): string {
  return `<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. Please consult with your administrator.<br><br>Your support ID is: ${escapeHtml(supportId)}<br><br><a href='javascript:history.back();'>[Go Back]</a></body></html>`;
}

export function maintenancePage(): string {
  return `<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Hệ thống đang bảo trì - Cổng Dịch vụ công quốc gia</title></head><body><h1>Hệ thống đang bảo trì</h1><p>Cổng Dịch vụ công quốc gia đang được nâng cấp, bảo trì. Xin vui lòng quay lại sau.</p></body></html>`;
}

export function loginPage(): string {
  return `<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Đăng nhập - Cổng Dịch vụ công quốc gia</title></head><body><form id="login-form" method="post" action="/dang-nhap"><label>Tên đăng nhập <input name="username"></label><label>Mật khẩu <input name="password" type="password"></label><button type="submit">Đăng nhập</button></form></body></html>`;
}

export function gatewayPage(status: 502 | 503): string {
  const title = status === 502 ? '502 Bad Gateway' : '503 Service Temporarily Unavailable';
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/** The list a fault works on: `evaluation` (Shape A, service-results) or `children` (trees). */
export function listKeyOf(data: Record<string, unknown>): 'evaluation' | 'children' | null {
  if (Array.isArray(data['evaluation'])) return 'evaluation';
  if (Array.isArray(data['children'])) return 'children';
  return null;
}

/** Delete a dotted path (`data.children.0.departmentId`) from a JSON value; true if it existed. */
export function deletePath(root: unknown, path: string): boolean {
  const parts = path.split('.');
  let cur: unknown = root;
  for (const p of parts.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return false;
    cur = (cur as Record<string, unknown>)[p];
  }
  const last = parts[parts.length - 1]!;
  if (cur === null || typeof cur !== 'object' || !(last in (cur as object))) return false;
  if (Array.isArray(cur)) cur.splice(Number(last), 1);
  else delete (cur as Record<string, unknown>)[last];
  return true;
}

/** missing-field: the default path to delete for an answer. */
export function defaultMissingField(data: Record<string, unknown>): string {
  return listKeyOf(data) === 'children' ? 'data.children.0.departmentId' : 'data.evaluation';
}

/** missing-unit: leave one unit out of the list (and out of `pagination.total`). */
export function dropUnit(envelope: { data: Record<string, unknown> }, unitId?: string): void {
  const key = listKeyOf(envelope.data);
  if (!key) return;
  const list = envelope.data[key] as Array<Record<string, unknown>>;
  const i = unitId === undefined ? 0 : list.findIndex((r) => r['departmentId'] === unitId);
  if (i < 0) return;
  list.splice(i, 1);
  const pg = envelope.data['pagination'] as Record<string, number> | undefined;
  if (pg && typeof pg['total'] === 'number') pg['total'] -= 1;
}

/**
 * second-page: split the list in two pages and return page `page` (1 or 2; later pages are
 * empty), with `pagination` saying there are 2 pages (added where the real answer has none).
 */
export function splitPage(envelope: { data: Record<string, unknown> }, page: number): void {
  const key = listKeyOf(envelope.data);
  if (!key) return;
  const list = envelope.data[key] as unknown[];
  const half = Math.ceil(list.length / 2);
  const part = page === 1 ? list.slice(0, half) : page === 2 ? list.slice(half) : [];
  envelope.data[key] = part;
  envelope.data['pagination'] = { total: list.length, currentPage: page, pageSize: half, totalPages: 2 };
}
