// Province overview: the province's total, rank and six groups for a report date, and the
// agency and commune tables, sortable by any column, with falls marked.
import {
  api,
  classBadge,
  el,
  fmt,
  fmtDate,
  GROUP_LABELS,
  GROUPS,
  PERIOD_LABELS,
  showError,
} from './common.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = {
  province: params.get('province') ?? '',
  date: params.get('date') ?? '',
  period: params.get('period') ?? 'year',
  report: null,
  belowOnly: params.get('below') === '1',
  sort: { agencies: { key: 'rank', dir: 1 }, communes: { key: 'rank', dir: 1 } },
};

const COLUMNS = [
  { key: 'rank', label: 'Hạng', cls: 'num' },
  { key: 'code', label: 'Mã', cls: 'code', text: true },
  { key: 'name', label: 'Đơn vị', cls: 'name', text: true },
  { key: 'total', label: 'Tổng điểm', cls: 'num' },
  { key: 'classification', label: 'Xếp loại', cls: 'num', band: true },
  ...GROUPS.map((g) => ({ key: g, label: g, title: GROUP_LABELS[g], cls: 'num', group: true })),
  {
    key: 'target',
    label: 'Chỉ tiêu',
    title: 'Khoảng cách tới chỉ tiêu (ALERT_TARGETS), kỳ năm',
    cls: 'target',
    gap: true,
  },
];

// Units below their target: unitId → [{group, score, target, gap}], largest gap first.
function belowIndex(report) {
  const map = new Map();
  for (const b of report.belowTarget ?? []) map.set(b.unitId, [...(map.get(b.unitId) ?? []), b]);
  for (const list of map.values()) list.sort((a, b) => b.gap - a.gap);
  return map;
}

function cellValue(row, col) {
  if (col.group) return row.groups[col.key]?.score ?? null;
  if (col.gap) {
    // Sorted by the largest gap to a target; units meeting every target after, unscored last.
    const list = state.below.get(row.id);
    if (list) return -list[0].gap;
    return row.total === null ? null : 0;
  }
  if (col.band) {
    // Sort classifications by band order (best first), not alphabetically.
    const i = state.report.classBands.findIndex((b) => b.label === row.classification);
    return row.classification ? i : null;
  }
  return row[col.key] ?? null;
}

const collator = new Intl.Collator('vi', { numeric: true });
function compareRows(col, dir) {
  return (a, b) => {
    const va = cellValue(a, col);
    const vb = cellValue(b, col);
    // "No value" sorts last in both directions: it is not a low score.
    if (va === null && vb === null) return collator.compare(a.name, b.name);
    if (va === null) return 1;
    if (vb === null) return -1;
    const c = typeof va === 'string' ? collator.compare(va, vb) : va - vb;
    return c === 0 ? collator.compare(a.name, b.name) : c * dir;
  };
}

function fallIndex(report) {
  const map = new Map();
  for (const f of report.falls.items) map.set(`${f.unitId}/${f.group}`, f);
  return map;
}

// The target column only when targets are configured for this period.
function columns() {
  return (state.report.targets ?? []).length > 0 ? COLUMNS : COLUMNS.filter((c) => !c.gap);
}

function targetCell(r) {
  if ((state.report.targets ?? []).length === 0) return null;
  const list = state.below.get(r.id);
  if (!list) return el('td', { class: 'target' }, r.total === null ? '–' : 'đạt');
  return el(
    'td',
    {
      class: 'target below-target',
      title: list.map((b) => `${b.group}: ${fmt(b.score)} / chỉ tiêu ${fmt(b.target)}`).join('; '),
    },
    list.map((b) => `${b.group} −${fmt(b.gap)}`).join('; '),
  );
}

function renderTable(tableId, rows, falls) {
  const table = $(tableId);
  const sort = state.sort[tableId];
  const head = el(
    'tr',
    {},
    columns().map((col) =>
      el(
        'th',
        {
          class: `sortable ${col.cls}`,
          title: col.title ? `${col.title} – bấm để sắp xếp` : 'Bấm để sắp xếp',
          'data-key': col.key,
          'aria-sort': sort.key === col.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none',
          onclick: () => {
            // A first click on a score sorts best first; on rank or text, ascending.
            const first = col.group || col.key === 'total' ? -1 : 1;
            state.sort[tableId] =
              sort.key === col.key ? { key: col.key, dir: -sort.dir } : { key: col.key, dir: first };
            renderTables();
          },
        },
        col.label,
      ),
    ),
  );
  const col = COLUMNS.find((c) => c.key === sort.key);
  const shown = state.belowOnly ? rows.filter((r) => state.below.has(r.id)) : rows;
  const sorted = [...shown].sort(compareRows(col, sort.dir));
  const body = sorted.map((r) => {
    const evaluated = r.total !== null || GROUPS.some((g) => r.groups[g].score !== null);
    const rowFalls = GROUPS.filter((g) => falls.has(`${r.id}/${g}`));
    return el(
      'tr',
      {
        'data-unit': r.id,
        class:
          [evaluated ? '' : 'not-evaluated', rowFalls.length > 0 ? 'has-fall' : ''].join(' ').trim() || null,
      },
      el('td', { class: 'num' }, r.rank ?? '–'),
      el('td', { class: 'code' }, r.code ?? ''),
      el('td', { class: 'name' }, el('a', { href: `/units/${r.id}?period=${state.period}` }, r.name)),
      el('td', { class: 'num' }, fmt(r.total)),
      el('td', { class: 'num' }, classBadge(state.report.classBands, evaluated ? r.classification : null)),
      GROUPS.map((g) => {
        const f = falls.get(`${r.id}/${g}`);
        const cell = r.groups[g];
        const below = state.below.get(r.id)?.some((b) => b.group === g);
        return el(
          'td',
          {
            class: ['num', f ? 'fall' : '', below ? 'below-target' : ''].join(' ').trim(),
            'data-group': g,
            title: f
              ? `Giảm ${fmt(f.before)} → ${fmt(f.after)}${f.source === 'alert' ? ' (cảnh báo)' : ` (so với ${fmtDate(f.comparedOn)})`}`
              : `${GROUP_LABELS[g]}: ${fmt(cell.score)} / ${fmt(cell.max)}`,
          },
          fmt(cell.score),
        );
      }),
      targetCell(r),
    );
  });
  table.replaceChildren(el('thead', {}, head), el('tbody', {}, body));
}

function renderTables() {
  const falls = fallIndex(state.report);
  state.below = belowIndex(state.report);
  const hasTargets = (state.report.targets ?? []).length > 0;
  $('below-filter').hidden = !hasTargets;
  $('below-only').checked = state.belowOnly;
  const n = (list) => list.filter((r) => state.below.has(r.id)).length;
  $('agencies-title').textContent =
    `Sở, ban, ngành (${state.report.agencies.length}${hasTargets ? `, ${n(state.report.agencies)} dưới chỉ tiêu` : ''})`;
  $('communes-title').textContent =
    `Xã, phường (${state.report.communes.length}${hasTargets ? `, ${n(state.report.communes)} dưới chỉ tiêu` : ''})`;
  renderTable('agencies', state.report.agencies, falls);
  renderTable('communes', state.report.communes, falls);
}

function renderSummary(r) {
  const p = r.province;
  $('subtitle').textContent =
    `${p.name} – ngày báo cáo ${fmtDate(r.date)} – kỳ ${PERIOD_LABELS[r.periodType]}`;
  const bars = GROUPS.map((g) => {
    const c = p.groups[g];
    const pct = c.score === null || !c.max ? 0 : Math.max(0, Math.min(100, (c.score / c.max) * 100));
    return el(
      'div',
      { 'data-group': g },
      el(
        'div',
        { class: 'bar-label' },
        el('span', {}, `${GROUP_LABELS[g]} (${g})`),
        el('b', {}, `${fmt(c.score)} / ${fmt(c.max)}`),
      ),
      el('div', { class: 'bar', title: `${pct.toFixed(0)} %` }, el('span', { style: `width:${pct}%` })),
    );
  });
  $('summary').replaceChildren(
    el(
      'div',
      {},
      el('div', { class: 'kv' }, p.name, p.code ? ` (${p.code})` : ''),
      el(
        'div',
        { class: 'big', id: 'province-total' },
        fmt(p.total),
        el('small', { class: 'note' }, ' / 100'),
      ),
      el(
        'div',
        { class: 'kv' },
        'Xếp hạng: ',
        el('b', { id: 'province-rank' }, p.rank === null ? '–' : `${p.rank}/${p.rankOf ?? '?'}`),
      ),
      el('div', { class: 'kv' }, 'Xếp loại: ', classBadge(r.classBands, p.classification)),
      el('div', { class: 'kv' }, `Số liệu từ ${fmtDate(r.dates.first)} đến ${fmtDate(r.dates.last)}`),
    ),
    el('div', { class: 'bars' }, bars),
  );
}

function renderFalls(r) {
  const names = new Map([...r.agencies, ...r.communes, r.province].map((u) => [u.id, u]));
  const items = r.falls.items;
  const source =
    r.falls.source === 'alerts'
      ? 'theo cảnh báo của hệ thống'
      : r.falls.comparedOn
        ? `so với ngày ${fmtDate(r.falls.comparedOn)}`
        : 'không có ngày trước để so sánh';
  const list = items.map((f) =>
    el(
      'li',
      {},
      el('a', { href: `/units/${f.unitId}?period=${state.period}` }, names.get(f.unitId)?.name ?? f.unitId),
      `: ${GROUP_LABELS[f.group]} (${f.group}) ${fmt(f.before)} → ${fmt(f.after)}`,
    ),
  );
  $('falls-card').replaceChildren(
    el('h2', {}, `Giảm điểm Thanh toán trực tuyến / Số hóa hồ sơ: ${items.length} (${source})`),
    items.length > 0
      ? el('ul', { id: 'falls-list' }, list)
      : el('p', { class: 'note' }, 'Không có đơn vị giảm điểm.'),
  );
}

async function load() {
  const status = $('status');
  status.hidden = false;
  status.textContent = 'Đang tải…';
  document.body.dataset.ready = 'loading';
  const q = { province: state.province, date: state.date, period: state.period };
  try {
    const r = await api('/api/report', q);
    state.report = r;
    state.province = r.province.code ?? state.province;
    $('province').value = state.province;
    $('date').value = r.date;
    if (r.dates.first) $('date').min = r.dates.first;
    if (r.dates.last) $('date').max = r.dates.last;
    $('csv').href =
      `/api/report/export.csv?${new URLSearchParams({ province: state.province, date: r.date, period: state.period })}`;
    const day = new URLSearchParams({ province: state.province, date: r.date, period: state.period });
    $('docx').href = `/api/report/export.docx?${day}`;
    $('xlsx').href = `/api/report/export.xlsx?${day}`;
    $('csv-history').href =
      `/api/history/export.csv?${new URLSearchParams({ province: state.province, period: state.period, year: r.date.slice(0, 4) })}`;
    renderSummary(r);
    renderFalls(r);
    renderTables();
    $('content').hidden = false;
    status.hidden = true;
    document.body.dataset.ready = 'true';
  } catch (err) {
    $('content').hidden = true;
    showError(status, err);
    document.body.dataset.ready = 'error';
  }
}

function pushState() {
  const p = new URLSearchParams();
  if (state.province) p.set('province', state.province);
  if (state.date) p.set('date', state.date);
  if (state.period !== 'year') p.set('period', state.period);
  if (state.belowOnly) p.set('below', '1');
  history.replaceState(null, '', `/?${p}`);
}

async function init() {
  $('period').value = state.period;
  try {
    const { items } = await api('/api/units', { kind: 'province' });
    $('province').replaceChildren(
      ...items.map((u) => el('option', { value: u.code ?? u.id }, `${u.code ?? ''} – ${u.name}`)),
    );
  } catch (err) {
    showError($('status'), err);
  }
  $('province').addEventListener('change', () => {
    state.province = $('province').value;
    state.date = '';
    pushState();
    load();
  });
  $('date').addEventListener('change', () => {
    state.date = $('date').value;
    pushState();
    load();
  });
  $('below-only').addEventListener('change', () => {
    state.belowOnly = $('below-only').checked;
    pushState();
    renderTables();
  });
  $('period').addEventListener('change', () => {
    state.period = $('period').value;
    pushState();
    load();
  });
  await load();
}

init();
