// Shared helpers of the web page: API calls, labels, number formats, classification colours.
// Plain ES module, no build step; everything shown comes from the JSON API.

export const GROUPS = ['CKMB', 'TDGQ', 'CLGQ', 'TTTT', 'MDSH', 'MDHL'];
export const ALL_GROUPS = ['TOTAL', ...GROUPS];
export const GROUP_LABELS = {
  TOTAL: 'Tổng điểm',
  CKMB: 'Công khai, minh bạch',
  TDGQ: 'Tiến độ giải quyết',
  CLGQ: 'Dịch vụ công trực tuyến',
  TTTT: 'Thanh toán trực tuyến',
  MDSH: 'Số hóa hồ sơ',
  MDHL: 'Mức độ hài lòng',
};
export const PERIOD_LABELS = { year: 'Năm', quarter: 'Quý', month: 'Tháng' };
export const KIND_LABELS = { province: 'Tỉnh', agency: 'Sở, ban, ngành', commune: 'Xã, phường' };
export const NOT_EVALUATED = 'Chưa đánh giá';

/** Colours of the classification bands, best first (the bands themselves come from the API). */
export const BAND_COLOURS = ['#13795b', '#2e7d32', '#8a6d00', '#b85c00', '#b3261e', '#6b1a14'];

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** GET a JSON API path with query parameters (undefined/empty ones are left out). */
export async function api(path, params = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const res = await fetch(`${path}${qs.size > 0 ? `?${qs}` : ''}`, {
    headers: { accept: 'application/json' },
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

/** Every page of a keyset-paginated list. */
export async function apiAll(path, params = {}) {
  const items = [];
  let after;
  let first;
  for (let i = 0; i < 100; i++) {
    const page = await api(path, { ...params, after });
    first ??= page;
    items.push(...page.items);
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  return { ...first, items };
}

/** A score with two decimals; null is "–", never 0. */
export function fmt(v) {
  return v === null || v === undefined ? '–' : Number(v).toFixed(2);
}

export function fmtDate(iso) {
  if (!iso) return '–';
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

export function bandIndex(bands, label) {
  const i = bands.findIndex((b) => b.label === label);
  return i < 0 ? bands.length - 1 : i;
}

/** A coloured badge for a classification; "Chưa đánh giá" when there is none. */
export function classBadge(bands, label) {
  if (!label) return el('span', { class: 'badge badge-none' }, NOT_EVALUATED);
  const colour = BAND_COLOURS[Math.min(bandIndex(bands, label), BAND_COLOURS.length - 1)];
  return el('span', { class: 'badge', style: `background:${colour}` }, label);
}

/** Tiny DOM builder: el('td', { class: 'x', style: 'width:5%' }, 'text', childNode). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    // Styles through the CSSOM: the Content-Security-Policy (style-src 'self') refuses style
    // attributes, not properties set from our own script.
    else if (k === 'style')
      for (const decl of String(v).split(';')) {
        const i = decl.indexOf(':');
        if (i > 0) node.style.setProperty(decl.slice(0, i).trim(), decl.slice(i + 1).trim());
      }
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function showError(container, err) {
  const field = err?.body?.field ? ` (${err.body.field})` : '';
  container.replaceChildren(el('div', { class: 'error', role: 'alert' }, `Lỗi${field}: ${err.message}`));
}

/** Days since 1970-01-01 for an ISO date (the charts' x axis, so missing days stay gaps). */
export function dayNumber(iso) {
  return Math.round(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
}
export function dayToIso(n) {
  return new Date(n * 86_400_000).toISOString().slice(0, 10);
}
export function addDaysIso(iso, days) {
  return dayToIso(dayNumber(iso) + days);
}
