// A unit's page: one line chart per group over time (period and range chosen here), alert
// episodes shaded, and the sub-metrics behind TTTT and MDSH. Missing days stay gaps.
import {
  ALL_GROUPS,
  addDaysIso,
  api,
  apiAll,
  dayNumber,
  dayToIso,
  el,
  fmt,
  fmtDate,
  GROUP_LABELS,
  KIND_LABELS,
  PERIOD_LABELS,
  showError,
} from './common.js';

const $ = (id) => document.getElementById(id);
const unitRef = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] ?? '');
const params = new URLSearchParams(location.search);
const state = {
  period: params.get('period') ?? 'year',
  from: params.get('from') ?? '',
  to: params.get('to') ?? '',
  unit: null,
  charts: [],
};

/** Shades alert episodes behind the line: [openedOn, resolvedOn or the last date]. */
const episodePlugin = {
  id: 'episodes',
  beforeDatasetsDraw(chart, _args, opts) {
    const { ctx, chartArea, scales } = chart;
    for (const ep of opts.items ?? []) {
      const x0 = Math.max(chartArea.left, scales.x.getPixelForValue(ep.start));
      const x1 = Math.min(chartArea.right, scales.x.getPixelForValue(ep.end + 1));
      if (x1 <= x0) continue;
      ctx.save();
      ctx.fillStyle = ep.open ? 'rgba(179, 38, 30, 0.16)' : 'rgba(179, 38, 30, 0.08)';
      ctx.fillRect(x0, chartArea.top, x1 - x0, chartArea.bottom - chartArea.top);
      ctx.restore();
    }
  },
};

function shortDate(iso) {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y.slice(2)}`;
}

/** Points of one group with a null inserted wherever a day is missing, so the line breaks. */
function seriesOf(points, group) {
  const data = [];
  let prev = null;
  for (const p of points) {
    const x = dayNumber(p.date);
    if (prev !== null && x - prev > 1) data.push({ x: prev + 1, y: null });
    const v = p.groups[group];
    data.push({
      x,
      y: v ? v.score : null,
      max: v ? v.max : null,
      date: p.date,
      imported: p.imported === true,
    });
    prev = x;
  }
  return data;
}

function drawChart(box, group, points, episodes, range) {
  const data = seriesOf(points, group);
  const maxes = data.map((d) => d.max).filter((m) => m !== null && m !== undefined);
  const max = maxes.length > 0 ? Math.max(...maxes) : group === 'TOTAL' ? 100 : undefined;
  const canvas = el('canvas', { 'aria-label': `Biểu đồ ${GROUP_LABELS[group]}`, role: 'img' });
  box.querySelector('.canvas-wrap').append(canvas);
  const chart = new window.Chart(canvas, {
    type: 'line',
    data: {
      datasets: [
        {
          label: GROUP_LABELS[group],
          data,
          parsing: false,
          spanGaps: false,
          borderColor: group === 'TTTT' || group === 'MDSH' ? '#b85c00' : '#0b5cad',
          backgroundColor: 'rgba(11, 92, 173, 0.1)',
          // an imported point (the office's own table) is a diamond, always drawn
          pointStyle: (c) => (c.raw?.imported ? 'rectRot' : 'circle'),
          pointRadius: (c) => (c.raw?.imported ? 5 : data.length > 60 ? 0 : 2),
          pointHitRadius: 6,
          borderWidth: 1.6,
          tension: 0,
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          // One day past the end, so an episode opened on the last day still shows.
          min: range.from,
          max: range.to + 1,
          ticks: { maxTicksLimit: 6, maxRotation: 0, callback: (v) => shortDate(dayToIso(v)) },
        },
        y: { min: 0, suggestedMax: max },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => fmtDate(dayToIso(items[0].parsed.x)),
            label: (item) =>
              `${GROUP_LABELS[group]}: ${fmt(item.raw.y)} / ${fmt(item.raw.max)}${item.raw.imported ? ' (nhập từ tệp)' : ''}`,
          },
        },
        episodes: { items: episodes },
      },
    },
    plugins: [episodePlugin],
  });
  // What the chart actually drew, for people (the caption) and for tests.
  const drawn = chart.getDatasetMeta(0).data.filter((p) => !p.skip).length;
  box.dataset.points = String(drawn);
  box.dataset.dates = String(points.length);
  box.dataset.episodes = String(episodes.length);
  box.querySelector('h3 small').textContent =
    `${drawn} điểm${episodes.length > 0 ? `, ${episodes.length} cảnh báo` : ''}`;
  return chart;
}

function metricTable(items) {
  if (items.length === 0)
    return el('p', { class: 'note' }, 'Không có số liệu chỉ tiêu thành phần trong khoảng này.');
  const dates = [...new Set(items.map((m) => m.date))].sort();
  const last = dates.at(-1);
  const first = dates[0];
  const firstByCode = new Map(items.filter((m) => m.date === first).map((m) => [m.code, m]));
  const rows = items
    .filter((m) => m.date === last)
    .map((m) => {
      const f = firstByCode.get(m.code);
      const delta = f && f.score !== null && m.score !== null ? m.score - f.score : null;
      return el(
        'tr',
        { 'data-code': m.code },
        el('td', { class: 'name', title: m.code }, m.name ?? m.code),
        el('td', {}, m.numerator ?? '–'),
        el('td', {}, m.denominator ?? '–'),
        el('td', {}, m.ratio === null ? '–' : `${fmt(m.ratio)} %`),
        el('td', {}, `${fmt(m.score)} / ${fmt(m.max)}`),
        el(
          'td',
          { class: delta !== null && delta < 0 ? 'fall' : '' },
          delta === null ? '–' : `${delta > 0 ? '+' : ''}${fmt(delta)}`,
        ),
      );
    });
  return el(
    'div',
    {},
    el('p', { class: 'note' }, `Ngày ${fmtDate(last)}; thay đổi so với ${fmtDate(first)}.`),
    el(
      'table',
      { class: 'data' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { class: 'name' }, 'Chỉ tiêu'),
          el('th', {}, 'Tử số'),
          el('th', {}, 'Mẫu số'),
          el('th', {}, 'Tỷ lệ'),
          el('th', {}, 'Điểm'),
          el('th', {}, 'Thay đổi'),
        ),
      ),
      el('tbody', {}, rows),
    ),
  );
}

function alertTable(alerts) {
  if (alerts.length === 0) return el('p', { class: 'note' }, 'Không có cảnh báo trong khoảng này.');
  return el(
    'table',
    { class: 'data', id: 'alerts-table' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ['Nhóm', 'Kỳ', 'Mở ngày', 'Trước khi giảm', 'Thấp nhất', 'Hiện tại', 'Trạng thái', 'Kết thúc'].map(
          (h, i) => el('th', { class: i === 0 ? 'name' : null }, h),
        ),
      ),
    ),
    el(
      'tbody',
      {},
      alerts.map((a) =>
        el(
          'tr',
          {},
          el('td', { class: 'name' }, `${GROUP_LABELS[a.group]} (${a.group})`),
          el('td', {}, a.period.key),
          el('td', {}, fmtDate(a.openedOn)),
          el('td', {}, fmt(a.baseline)),
          el('td', {}, fmt(a.worst)),
          el('td', {}, fmt(a.current)),
          el('td', {}, a.status === 'open' ? 'Đang mở' : 'Đã phục hồi'),
          el('td', {}, a.resolvedOn ? fmtDate(a.resolvedOn) : '–'),
        ),
      ),
    ),
  );
}

async function load() {
  const status = $('status');
  status.hidden = false;
  status.textContent = 'Đang tải…';
  document.body.dataset.ready = 'loading';
  for (const c of state.charts) c.destroy();
  state.charts = [];
  try {
    const q = { period: state.period, from: state.from, to: state.to };
    const [history, alerts, metrics] = await Promise.all([
      apiAll(`/api/units/${encodeURIComponent(state.unit.id)}/history`, { ...q, limit: 5000 }),
      apiAll('/api/alerts', { unit: state.unit.id, ...q, limit: 1000 }),
      apiAll(`/api/units/${encodeURIComponent(state.unit.id)}/metrics`, {
        ...q,
        group: 'TTTT,MDSH',
        limit: 10000,
      }),
    ]);
    const range = { from: dayNumber(state.from), to: dayNumber(state.to) };
    const lastDay = history.items.length > 0 ? dayNumber(history.items.at(-1).date) : range.to;
    const charts = $('charts');
    charts.replaceChildren();
    for (const g of ALL_GROUPS) {
      const episodes = alerts.items
        .filter((a) => a.group === g)
        .map((a) => ({
          start: dayNumber(a.openedOn),
          end: a.resolvedOn ? dayNumber(a.resolvedOn) - 1 : Math.max(lastDay, dayNumber(a.lastSeenOn)),
          open: a.status === 'open',
        }));
      const box = el(
        'div',
        { class: g === 'TOTAL' ? 'chart-box wide' : 'chart-box', 'data-group': g },
        el('h3', {}, `${GROUP_LABELS[g]}${g === 'TOTAL' ? '' : ` (${g})`}`, el('small', {}, '')),
        el('div', { class: 'canvas-wrap' }),
      );
      charts.append(box);
      state.charts.push(drawChart(box, g, history.items, episodes, range));
    }
    for (const g of ['TTTT', 'MDSH'])
      $(`metrics-${g}`).replaceChildren(metricTable(metrics.items.filter((m) => m.group === g)));
    $('alerts').replaceChildren(alertTable(alerts.items));
    $('csv').href =
      `/api/units/${encodeURIComponent(state.unit.id)}/history/export.csv?${new URLSearchParams(q)}`;
    $('content').hidden = false;
    status.hidden = true;
    document.body.dataset.ready = 'true';
  } catch (err) {
    showError(status, err);
    document.body.dataset.ready = 'error';
  }
}

function pushState() {
  const p = new URLSearchParams({ period: state.period, from: state.from, to: state.to });
  history.replaceState(null, '', `${location.pathname}?${p}`);
}

async function init() {
  try {
    const { unit } = await api(`/api/units/${encodeURIComponent(unitRef)}`);
    state.unit = unit;
  } catch (err) {
    showError($('status'), err);
    document.body.dataset.ready = 'error';
    return;
  }
  const u = state.unit;
  document.title = `${u.name} – lịch sử điểm`;
  $('title').textContent = u.name;
  $('subtitle').textContent =
    `${u.code ?? ''} · ${KIND_LABELS[u.kind] ?? u.kind} · số liệu ${fmtDate(u.firstSeen)} – ${fmtDate(u.lastSeen)}`;
  if (u.provinceCode)
    $('back').href = `/?province=${encodeURIComponent(u.provinceCode)}&period=${state.period}`;
  // Default range: the last year of data.
  state.to ||= u.lastSeen;
  // ISO dates sort as text: the later of a year back and the first day with data.
  state.from ||= [addDaysIso(state.to, -364), u.firstSeen].sort().at(-1);
  $('period').value = state.period;
  $('from').value = state.from;
  $('to').value = state.to;
  for (const id of ['period', 'from', 'to']) {
    $(id).addEventListener('change', () => {
      state[id] = $(id).value;
      pushState();
      load();
    });
  }
  $('subtitle').append(` · kỳ ${PERIOD_LABELS[state.period]}`);
  await load();
}

init();
