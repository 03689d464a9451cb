/**
 * Scenario mode: the answer of every endpoint generated from a resolved scenario day, in
 * exactly the shapes of the real recordings (keys, key order, JSON types, nesting):
 * - Shape A (`transparency`, `handling-satisfaction`, `dossier-digitized`): `overview` (the
 *   province, `stt` 1, `level_1`) + `evaluation[]` (units, `level_2`, no `departmentCode`
 *   except on dossier-digitized, as recorded) with `metrics[]`, + `pagination` + `source`.
 *   Units are listed by `departmentCode` in string order (as recorded); pagination honoured.
 * - Shape B (`dvc-progress-tree`, `provide-online-tree`, `formality-online-payment-tree`):
 *   `parent` + `children[]` with `level`; TDGQ children use `score`/`maxScore`, the others
 *   `totalScore`/`totalMaxScore`; raw counts. The real tree endpoints ignore `pageSize` (163
 *   children came back for pageSize 100), so these answers are never paged.
 * - `service-results`: national (34 rows sorted by total, descending, with `groupScores`) and
 *   per province (overview without `departmentId`, rows with `childGroup`).
 * Sub-metric numbers not given by the scenario are generated deterministically (hash of seed,
 * unit id, group and period) so that they agree with the score. `null` scores stay `null`.
 */
import { GROUP_CODES, GROUP_LABELS, type GroupCode, type Period, periodKey } from '../domain.js';
import { periodRange } from '../source/requests.js';
import type { ReplayRequest } from './parse-request.js';
import {
  type CompiledScenario,
  type GroupState,
  type GroupStates,
  hashUnit,
  type ResolvedPeriod,
  round2,
  type ScenarioMetric,
  totalMaxOf,
  totalOf,
} from './resolve.js';
import type { ScenarioUnit } from './scenario.js';

export interface GeneratedAnswer {
  readonly status: number;
  readonly body: unknown;
}

interface MetricDef {
  readonly code: string;
  readonly name: string;
  readonly maxScore: number;
  /** Counts of formalities (small numbers) rather than dossiers. */
  readonly formalities?: boolean;
  /** The portal sends no numerator/denominator for it (ELECTRONIC_CERTIFIED_COPY). */
  readonly noCounts?: boolean;
}

/** Metric rows of the Shape-A groups, in the portal's order, with its labels and weights. */
export const METRICS: Readonly<Record<'CKMB' | 'MDHL' | 'MDSH', readonly MetricDef[]>> = {
  CKMB: [
    { code: 'PUBLISH_ON_TIME', name: 'Tỷ lệ TTHC công bố đúng hạn', maxScore: 6, formalities: true },
    {
      code: 'PUBLIC_UPDATE_ON_TIME',
      name: 'Tỷ lệ TTHC cập nhật, công khai đúng hạn',
      maxScore: 4,
      formalities: true,
    },
    {
      code: 'PUBLIC_CONTENT_FULL',
      name: 'Tỷ lệ TTHC công khai đầy đủ nội dung',
      maxScore: 2,
      formalities: true,
    },
    { code: 'DOSSIER_SYNC', name: 'Tỷ lệ hồ sơ đồng bộ lên Cổng DVCQG', maxScore: 6 },
  ],
  MDHL: [
    { code: 'PETITION_CLASSIFICATION_TTHC', name: 'Tỷ lệ PAKN về quy định, thủ tục hành chính', maxScore: 0 },
    {
      code: 'DOSSIER_RECEIVING_SATISFACTION',
      name: 'Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC',
      maxScore: 6,
    },
    { code: 'PETITION_PROCESSING_ON_TIME', name: 'Tỷ lệ PAKN xử lý đúng hạn', maxScore: 6 },
    { code: 'PETITION_HANDLING_SATISFACTION', name: 'Tỷ lệ hài lòng trong xử lý PAKN', maxScore: 6 },
    {
      code: 'PETITION_CLASSIFICATION_STAFF',
      name: 'Tỷ lệ PAKN về hành vi cán bộ, công chức, viên chức',
      maxScore: 0,
    },
  ],
  MDSH: [
    {
      code: 'ORIGINAL_RESULT_AVAILABLE',
      name: 'Tỷ lệ hồ sơ thủ tục hành chính có cấp kết quả giải quyết thủ tục hành chính điện tử',
      maxScore: 6,
    },
    {
      code: 'SO_HOA_GIAY_TO_GIAI_QUYET',
      name: 'Tỷ lệ hồ sơ thủ tục hành chính thực hiện số hóa hồ sơ',
      maxScore: 4,
    },
    {
      code: 'REUSED_DIGITIZED_DATA',
      name: 'Tỷ lệ hồ sơ khai thác, sử dụng lại thông tin, dữ liệu số hóa',
      maxScore: 2,
    },
    {
      code: 'SYNCED_WITH_DVCQG_PERSONAL_STORAGE',
      name: 'Tỷ lệ hồ sơ TTHC được số hóa có kết nối, chia sẻ dữ liệu phục vụ tái sử dụng',
      maxScore: 4,
    },
    {
      code: 'CITIZEN_DATA_CONNECTED_DOSSIER',
      name: 'Tỷ lệ hồ sơ TTHC có sử dụng thông tin, dữ liệu dân cư',
      maxScore: 2,
    },
    {
      code: 'CITIZEN_DATA_CONNECTED_FORMALITY',
      name: 'Tỷ lệ TTHC triển khai kết nối, chia sẻ dữ liệu dân cư phục vụ GQ TTHC',
      maxScore: 2,
      formalities: true,
    },
    {
      code: 'ELECTRONIC_CERTIFIED_COPY',
      name: 'Tỷ lệ cung cấp dịch vụ chứng thực bản sao điện tử từ bản chính',
      maxScore: 2,
      noCounts: true,
    },
  ],
};

/** The metric that carries a group's data-quality flag. */
export const FLAG_METRIC: Readonly<Record<'CKMB' | 'MDHL' | 'MDSH', string>> = {
  CKMB: 'DOSSIER_SYNC',
  MDHL: 'DOSSIER_RECEIVING_SATISFACTION',
  MDSH: 'ORIGINAL_RESULT_AVAILABLE',
};

const SOURCES = {
  transparency: 'reporting_766_transparency_* and reporting_dvc_calendar Mongo collections',
  'handling-satisfaction':
    'reporting_766_satisfaction_petition_months, reporting_766_satisfaction_dossier_periods',
  'dossier-digitized': 'reporting_digitized_dossiers_daily Mongo collection',
} as const;

const SHAPE_A_GROUP = {
  transparency: 'CKMB',
  'handling-satisfaction': 'MDHL',
  'dossier-digitized': 'MDSH',
} as const;

const ratioOf = (score: number | null, max: number): number | null =>
  score === null || max <= 0 ? null : round2((score / max) * 100);
const round1 = (n: number) => Math.round(n * 10) / 10;
const byCode = (a: ScenarioUnit, b: ScenarioUnit) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
const envelope = (data: unknown) => ({ code: 'OK', data, message: 'OK' });
const nameOf = (u: ScenarioUnit) => u.name.normalize(u.nameForm ?? 'NFC');

/** Deterministic pseudo-random number in [0, 1) for a context. */
function rnd(r: ResolvedPeriod, ...parts: Array<string | number>): number {
  return hashUnit([r.seed, periodKey(r.period), ...parts].join('|'));
}

/** Dossiers a unit handles in the period (agencies fewer than communes). */
function volumeOf(r: ResolvedPeriod, id: string, kind: 'agency' | 'commune' | 'province'): number {
  const year = kind === 'agency' ? 50 + rnd(r, id, 'vol') * 2500 : 800 + rnd(r, id, 'vol') * 8000;
  const share = r.period.type === 'year' ? 1 : r.period.type === 'quarter' ? 0.25 : 1 / 12;
  return Math.max(1, Math.round(year * share));
}

/** Split a group score over weights (in cents) so that the parts add up exactly. */
function allocate(score: number, maxima: readonly number[]): number[] {
  const total = maxima.reduce((a, b) => a + b, 0);
  const cents = Math.round(score * 100);
  const parts = maxima.map((m) => (total > 0 ? Math.floor((cents * m) / total) : 0));
  let left = cents - parts.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0 && i < parts.length; i++) {
    if (parts[i]! < Math.round(maxima[i]! * 100)) {
      parts[i]! += 1;
      left -= 1;
    }
  }
  return parts.map((c) => c / 100);
}

type MetricRow = Record<string, unknown>;

function metricRows(
  r: ResolvedPeriod,
  group: 'CKMB' | 'MDHL' | 'MDSH',
  state: GroupState,
  id: string,
  volume: number,
): MetricRow[] {
  const defs = METRICS[group];
  const withQuality = (rows: MetricRow[]): MetricRow[] => {
    if (!state.quality) return rows;
    const flag = rows.find((m) => m['code'] === FLAG_METRIC[group]) ?? rows[0];
    if (flag) {
      flag['dataQualityStatus'] = state.quality.status;
      flag['dataQualityMessage'] = state.quality.message;
    }
    return rows;
  };
  if (state.metrics) {
    return withQuality(state.metrics.map((m) => givenMetric(m, defs)));
  }
  const catalogMax = defs.reduce((a, d) => a + d.maxScore, 0);
  const factor = catalogMax > 0 ? state.max / catalogMax : 1;
  const maxima = defs.map((d) => round2(d.maxScore * factor));
  const scoring = defs.map((d, i) => (d.maxScore > 0 ? maxima[i]! : 0));
  const parts = state.score === null ? null : allocate(state.score, scoring);
  return withQuality(
    defs.map((d, i) => {
      const max = maxima[i]!;
      const denominator = d.formalities
        ? 3 + Math.round(rnd(r, id, d.code, 'den') * 120)
        : group === 'MDHL' && d.code !== 'DOSSIER_RECEIVING_SATISFACTION'
          ? Math.round(rnd(r, id, 'petitions') * 40)
          : volume;
      if (d.maxScore === 0) {
        const numerator = Math.round(denominator * rnd(r, id, d.code, 'num'));
        return {
          code: d.code,
          name: d.name,
          numerator,
          denominator,
          ratio: denominator > 0 ? round2((numerator / denominator) * 100) : 0,
          score: null,
          maxScore: 0,
        };
      }
      const score = parts ? parts[i]! : null;
      const ratio = ratioOf(score, max);
      if (d.noCounts)
        return {
          code: d.code,
          name: d.name,
          numerator: null,
          denominator: null,
          ratio,
          score,
          maxScore: max,
        };
      const numerator = ratio === null ? 0 : Math.round((denominator * ratio) / 100);
      return { code: d.code, name: d.name, numerator, denominator, ratio, score, maxScore: max };
    }),
  );
}

function givenMetric(m: ScenarioMetric, defs: readonly MetricDef[]): MetricRow {
  const def = defs.find((d) => d.code === m.code);
  const maxScore = m.maxScore ?? def?.maxScore ?? 0;
  const ratio =
    m.ratio !== undefined
      ? m.ratio
      : m.numerator !== null && m.denominator !== null && m.denominator > 0
        ? round2((m.numerator / m.denominator) * 100)
        : null;
  const score =
    m.score !== undefined
      ? m.score
      : ratio === null || maxScore === 0
        ? null
        : round2((ratio * maxScore) / 100);
  const row: MetricRow = {
    code: m.code,
    name: m.name ?? def?.name ?? m.code,
    numerator: m.numerator,
    denominator: m.denominator,
    ratio,
    score,
    maxScore,
  };
  if (m.dataQualityStatus !== undefined) row['dataQualityStatus'] = m.dataQualityStatus;
  if (m.dataQualityMessage !== undefined) row['dataQualityMessage'] = m.dataQualityMessage;
  return row;
}

const denominatorOf = (rows: MetricRow[], code: string): number => {
  const v = rows.find((m) => m['code'] === code)?.['denominator'];
  return typeof v === 'number' ? v : 0;
};

interface Ctx {
  readonly c: CompiledScenario;
  readonly r: ResolvedPeriod;
  readonly req: ReplayRequest;
  /** The date answered for (≥ r.day). */
  readonly date: string;
}

/** Units listed in a group's answer: not `missing`, in departmentCode order. */
function listed(ctx: Ctx, g: GroupCode) {
  return [...ctx.r.units].filter((u) => !u.groups[g].missing).sort((a, b) => byCode(a.unit, b.unit));
}

function provinceVolume(ctx: Ctx): number {
  return ctx.r.units.reduce((a, u) => a + volumeOf(ctx.r, u.unit.id, u.unit.kind), 0);
}

function shapeA(ctx: Ctx, endpoint: keyof typeof SHAPE_A_GROUP) {
  const g = SHAPE_A_GROUP[endpoint];
  const s = ctx.c.scenario;
  const withCode = endpoint === 'dossier-digitized';
  const row = (
    stt: number,
    id: string,
    name: string,
    code: string,
    type: string,
    level: string,
    agencyLevel: string,
    state: GroupState,
    volume: number,
    isProvince: boolean,
  ): Record<string, unknown> => {
    const metrics = metricRows(ctx.r, g, state, id, volume);
    const head: Record<string, unknown> = { stt, departmentId: id, departmentName: name };
    if (withCode) head['departmentCode'] = code;
    Object.assign(head, { departmentType: type, departmentLevel: level, agencyLevel });
    const scores = {
      totalScore: state.score,
      totalMaxScore: state.max,
      ratio: ratioOf(state.score, state.max),
    };
    if (endpoint === 'dossier-digitized') return { ...head, ...scores, metrics, scoreDelta: null };
    const out: Record<string, unknown> = { ...head, ...scores, scoreDelta: null, metrics };
    if (endpoint === 'handling-satisfaction') {
      const petitions = denominatorOf(metrics, 'PETITION_PROCESSING_ON_TIME');
      out['totalPetitions'] = petitions;
      out['classifiedPetitions'] = petitions;
      out['totalDossiers'] = denominatorOf(metrics, 'DOSSIER_RECEIVING_SATISFACTION');
      out['averageScore'] = null;
    }
    if (endpoint === 'transparency' && isProvince) out['averageScore'] = null; // set below
    return out;
  };
  const units = listed(ctx, g);
  const overview = row(
    1,
    s.province.id,
    s.province.name,
    s.province.code,
    'PROVINCE',
    'PROVINCE',
    'level_1',
    ctx.r.province[g],
    provinceVolume(ctx),
    true,
  );
  if (endpoint === 'transparency') {
    const scores = units.map((u) => u.groups[g].score).filter((x): x is number => x !== null);
    overview['averageScore'] = scores.length
      ? round2(scores.reduce((a, b) => a + b, 0) / scores.length)
      : null;
  }
  const all = units.map((u, i) =>
    row(
      i + 1,
      u.unit.id,
      nameOf(u.unit),
      u.unit.code,
      u.unit.kind === 'agency' ? 'PROVINCIAL_DEPARTMENT' : 'COMMUNE_PEOPLE_COMMITTEE',
      u.unit.kind === 'agency' ? 'PROVINCE' : 'COMMUNE',
      'level_2',
      u.groups[g],
      volumeOf(ctx.r, u.unit.id, u.unit.kind),
      false,
    ),
  );
  const pageSize = ctx.req.pageSize ?? 20;
  const page = ctx.req.currentPage;
  const evaluation = all.slice((page - 1) * pageSize, page * pageSize);
  const pagination = {
    total: all.length,
    currentPage: page,
    pageSize,
    totalPages: Math.ceil(all.length / pageSize),
  };
  if (endpoint === 'transparency') {
    return { overview, monthlyChart: [], evaluation, pagination, source: SOURCES[endpoint] };
  }
  return { overview, evaluation, pagination, source: SOURCES[endpoint] };
}

/** Months of the period's year that have data on the answered date (later ones are empty). */
function monthsWithData(ctx: Ctx): number {
  const y = Number(ctx.date.slice(0, 4));
  if (ctx.r.period.year < y) return 12;
  if (ctx.r.period.year > y) return 0;
  return Number(ctx.date.slice(5, 7));
}

function treeTdgq(ctx: Ctx) {
  const s = ctx.c.scenario;
  const units = listed(ctx, 'TDGQ');
  const children = units.map((u) => {
    const st = u.groups.TDGQ;
    const received = volumeOf(ctx.r, u.unit.id, u.unit.kind);
    const ratio = ratioOf(st.score, st.max);
    const onTime = Math.round((received * (ratio ?? 0)) / 100);
    const row: Record<string, unknown> = {
      departmentId: u.unit.id,
      departmentName: nameOf(u.unit),
      departmentCode: u.unit.code,
      level: u.unit.kind === 'agency' ? 'PROVINCE' : 'COMMUNE',
      totalReceived: received,
      totalOnTime: onTime,
      totalOverdue: received - onTime,
      avgProcessingDays: round2(1 + rnd(ctx.r, u.unit.id, 'days') * 7),
      ratio,
      score: st.score,
      maxScore: st.max,
      scoreDelta: null,
    };
    return Object.assign(row, st.counts ?? {});
  });
  const p = ctx.r.province.TDGQ;
  const received = children.reduce((a, c) => a + Number(c['totalReceived'] ?? 0), 0);
  const parent: Record<string, unknown> = {
    departmentId: s.province.id,
    departmentName: s.province.name,
    departmentCode: s.province.code,
    totalReceived: received,
    totalOnTime: children.reduce((a, c) => a + Number(c['totalOnTime'] ?? 0), 0),
    totalCompleted: Math.round(received * 0.82),
    avgProcessingDays: round2(1 + rnd(ctx.r, s.province.id, 'days') * 5),
    ratio: ratioOf(p.score, p.max),
    totalScore: p.score,
    totalMaxScore: p.max,
  };
  Object.assign(parent, p.counts ?? {});
  const filled = monthsWithData(ctx);
  const monthlyChart = Array.from({ length: 12 }, (_, i) => {
    if (i + 1 > filled) return { month: pad2(i + 1), onTimePct: 0, overduePct: 0 };
    const on = round2(40 + rnd(ctx.r, s.province.id, 'month', i) * 55);
    return { month: pad2(i + 1), onTimePct: on, overduePct: round2(100 - on) };
  });
  return { parent, children, monthlyChart };
}

function treeClgq(ctx: Ctx) {
  const s = ctx.c.scenario;
  const children = listed(ctx, 'CLGQ').map((u) => {
    const st = u.groups.CLGQ;
    const row: Record<string, unknown> = {
      departmentId: u.unit.id,
      departmentName: nameOf(u.unit),
      departmentCode: u.unit.code,
      level: u.unit.kind === 'agency' ? 'PROVINCE' : 'COMMUNE',
      totalScore: st.score,
      totalMaxScore: st.max,
      ratio: ratioOf(st.score, st.max),
      scoreDelta: null,
    };
    return Object.assign(row, st.counts ?? {});
  });
  const p = ctx.r.province.CLGQ;
  const vol = provinceVolume(ctx);
  const online = Math.round(vol * (0.9 + rnd(ctx.r, s.province.id, 'online') * 0.09));
  const direct = vol - online;
  const authority = 40 + Math.round(rnd(ctx.r, s.province.id, 'authority') * 80);
  const full = Math.round(authority * 0.3);
  const onTime = Math.round(online * 0.88);
  const parent: Record<string, unknown> = {
    departmentId: s.province.id,
    departmentName: s.province.name,
    departmentCode: s.province.code,
    totalScore: p.score,
    totalMaxScore: p.max,
    ratio: ratioOf(p.score, p.max),
    authorityCount: authority,
    partialCount: Math.round(authority * 0.35),
    fullCount: full,
    onlineDossierCount: 100 + Math.round(rnd(ctx.r, s.province.id, 'odc') * 900),
    onlineServiceTotal: 500 + Math.round(rnd(ctx.r, s.province.id, 'ost') * 2000),
    channelOnlineSum: online,
    channelDirectSum: direct,
    channelPostalSum: 0,
    channelTotalSum: vol,
    onlineOnTimeSum: onTime,
    onlineOverdueSum: online - onTime,
  };
  Object.assign(parent, p.counts ?? {});
  const filled = monthsWithData(ctx);
  const monthlyChart = Array.from({ length: 12 }, (_, i) => ({
    label: pad2(i + 1),
    onlineDossierPct: i + 1 > filled ? 0 : round2(rnd(ctx.r, s.province.id, 'odp', i) * 25),
  }));
  return { parent, children, monthlyChart };
}

function paymentCounts(ctx: Ctx, id: string, volume: number, st: GroupState) {
  const withFees = st.withFees ?? Math.round(volume * (0.4 + rnd(ctx.r, id, 'fees') * 0.4));
  const ratio = ratioOf(st.score, st.max);
  const paidOnline = st.paidOnline ?? Math.round((withFees * (ratio ?? 50)) / 100);
  const feeFormality = 1 + Math.round(rnd(ctx.r, id, 'feeFormality') * 40);
  return {
    totalDossierOnlinePaymentSuccess: paidOnline,
    totalDossierFinancialObligation: withFees,
    totalDossierOnlineFormalityPaymentSuccess: Math.round((feeFormality * (ratio ?? 0)) / 200),
    totalFeeDossierFormalityDistinct: feeFormality,
    totalFeeDossierFormality: Math.round(feeFormality * 0.2),
    totalFeeFormality: feeFormality,
  };
}

function treeTttt(ctx: Ctx) {
  const s = ctx.c.scenario;
  const children = listed(ctx, 'TTTT').map((u) => {
    const st = u.groups.TTTT;
    const row: Record<string, unknown> = {
      departmentId: u.unit.id,
      departmentName: nameOf(u.unit),
      departmentCode: u.unit.code,
      level: u.unit.kind === 'agency' ? 'PROVINCE' : 'COMMUNE',
      totalMaxScore: st.max,
      ratio: st.score === null ? null : round1((st.score / st.max) * 100),
      totalScore: st.score,
      ...paymentCounts(ctx, u.unit.id, volumeOf(ctx.r, u.unit.id, u.unit.kind), st),
      scoreDelta: null,
    };
    return Object.assign(row, st.counts ?? {});
  });
  const p = ctx.r.province.TTTT;
  const sum = (k: string) => children.reduce((a, c) => a + Number(c[k] ?? 0), 0);
  // Fee procedures are counted once per province (a procedure offered by several units is
  // one procedure), so the province's procedure counts are its own, never the units' sum:
  // summed numerators over a province-wide denominator gave ratios above 100 %.
  const feeFormality = 10 + Math.round(rnd(ctx.r, s.province.id, 'feeFormality') * 300);
  const ratio = ratioOf(p.score, p.max);
  const parent: Record<string, unknown> = {
    departmentId: s.province.id,
    departmentName: s.province.name,
    departmentCode: s.province.code,
    totalMaxScore: p.max,
    totalScore: p.score,
    totalDossierOnlinePaymentSuccess: p.paidOnline ?? sum('totalDossierOnlinePaymentSuccess'),
    totalDossierFinancialObligation: p.withFees ?? sum('totalDossierFinancialObligation'),
    totalDossierOnlineFormalityPaymentSuccess: Math.round((feeFormality * (ratio ?? 0)) / 200),
    totalFeeDossierFormalityDistinct: feeFormality,
    totalFeeDossierFormality: Math.round(feeFormality * 0.2),
    totalFeeFormality: feeFormality,
    ratio: p.score === null ? null : round1((p.score / p.max) * 100),
  };
  Object.assign(parent, p.counts ?? {});
  return { parent, children };
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** The five radar entries (CLGQ + TTTT merged as ONLINE_SERVICE), as the portal draws them. */
function radar(groups: Readonly<Record<GroupCode, { score: number | null; max: number }>>) {
  const entry = (code: string, name: string, score: number | null, max: number) => ({
    code,
    name,
    score,
    maxScore: max,
    ratio: ratioOf(score, max),
  });
  const online =
    groups.CLGQ.score === null || groups.TTTT.score === null
      ? null
      : round2(groups.CLGQ.score + groups.TTTT.score);
  return [
    entry('CKMB', GROUP_LABELS.CKMB, groups.CKMB.score, groups.CKMB.max),
    entry('TDGQ', GROUP_LABELS.TDGQ, groups.TDGQ.score, groups.TDGQ.max),
    entry('ONLINE_SERVICE', 'Dịch vụ trực tuyến', online, groups.CLGQ.max + groups.TTTT.max),
    entry('MDHL', GROUP_LABELS.MDHL, groups.MDHL.score, groups.MDHL.max),
    entry('MDSH', GROUP_LABELS.MDSH, groups.MDSH.score, groups.MDSH.max),
  ];
}

function donuts(ctx: Ctx, id: string, volume: number) {
  const online = Math.round(volume * (0.9 + rnd(ctx.r, id, 'donut') * 0.09));
  const other = volume - online;
  const pct = (v: number, t: number) => (t > 0 ? round2((v * 100) / t) : 0);
  const full = 20 + Math.round(rnd(ctx.r, id, 'full') * 400);
  const partial = Math.round(rnd(ctx.r, id, 'partial') * 500);
  const none = 20 + Math.round(rnd(ctx.r, id, 'none') * 400);
  const prov = full + partial + none;
  return {
    onlineDossier: [
      { code: 'ONLINE', name: 'Trực tuyến', value: online, percent: pct(online, volume) },
      { code: 'OTHER', name: 'Trực tiếp, bưu chính', value: other, percent: pct(other, volume) },
    ],
    // The portal sends no provision figures for a month.
    onlineProvision:
      ctx.r.period.type === 'month'
        ? null
        : [
            { code: 'FULL', name: 'Toàn trình', value: full, percent: pct(full, prov) },
            { code: 'PARTIAL', name: 'Một phần', value: partial, percent: pct(partial, prov) },
            { code: 'NONE', name: 'Chưa cung cấp', value: none, percent: pct(none, prov) },
          ],
  };
}

function charts(ctx: Ctx, id: string, total: number | null) {
  const filled = monthsWithData(ctx);
  const monthlyChart = Array.from({ length: 12 }, (_, i) => ({
    month: pad2(i + 1),
    averageScore:
      i + 1 > filled || total === null
        ? null
        : round2(Math.max(0, total - 25 + (i + 1) * 2 + rnd(ctx.r, id, 'avg', i) * 6)),
  }));
  const dossierChart = Array.from({ length: 12 }, (_, i) => {
    if (i + 1 > filled) return { month: pad2(i + 1), onTimePct: null, overduePct: null };
    const on = round2(40 + rnd(ctx.r, id, 'dossier', i) * 55);
    return { month: pad2(i + 1), onTimePct: on, overduePct: round2(100 - on) };
  });
  return { monthlyChart, dossierChart };
}

/** Descending by score, `null` last, ties by code (a stable, documented order). */
function byScoreDesc<T extends { totalScore: number | null; departmentCode: string }>(a: T, b: T): number {
  if (a.totalScore === null || b.totalScore === null) {
    if (a.totalScore === b.totalScore) return a.departmentCode < b.departmentCode ? -1 : 1;
    return a.totalScore === null ? 1 : -1;
  }
  if (a.totalScore !== b.totalScore) return b.totalScore - a.totalScore;
  return a.departmentCode < b.departmentCode ? -1 : 1;
}

function provinceResults(ctx: Ctx) {
  const s = ctx.c.scenario;
  const total = totalOf(ctx.r.province);
  const totalMax = totalMaxOf(ctx.r.province);
  const evaluation = ctx.r.units
    .map((u) => {
      const t = totalOf(u.groups);
      return {
        departmentId: u.unit.id,
        departmentName: nameOf(u.unit),
        departmentCode: u.unit.code,
        totalScore: t,
        ratio: ratioOf(t, totalMaxOf(u.groups)),
        scoreDelta: null,
        childGroup: u.unit.kind === 'agency' ? 'AGENCY' : 'COMMUNE',
      };
    })
    .sort(byScoreDesc);
  return {
    overview: {
      departmentName: s.province.name,
      departmentCode: s.province.code,
      totalScore: total,
      totalMaxScore: totalMax,
      ratio: ratioOf(total, totalMax),
    },
    growthPercent: round2(-10 + rnd(ctx.r, s.province.id, 'growth') * 50),
    radar: radar(ctx.r.province),
    donuts: donuts(ctx, s.province.id, provinceVolume(ctx)),
    evaluation,
    ...charts(ctx, s.province.id, total),
  };
}

function nationalResults(ctx: Ctx) {
  const s = ctx.c.scenario;
  const maxOf = (g: GroupCode) => ctx.r.province[g].max;
  const totalMax = GROUP_CODES.reduce((a, g) => a + maxOf(g), 0);
  const rowOf = (
    id: string,
    name: string,
    code: string,
    groups: Readonly<Record<GroupCode, number | null>>,
  ) => {
    const t = totalOf(
      Object.fromEntries(GROUP_CODES.map((g) => [g, { score: groups[g] }])) as Record<
        GroupCode,
        { score: number | null }
      >,
    );
    return {
      departmentId: id,
      departmentName: name,
      departmentCode: code,
      totalScore: t,
      ratio: ratioOf(t, totalMax),
      scoreDelta: round2(-5 + rnd(ctx.r, id, 'delta') * 10),
      groupScores: {
        CKMB: groups.CKMB,
        TDGQ: groups.TDGQ,
        CLGQ: groups.CLGQ,
        TTTT: groups.TTTT,
        MDHL: groups.MDHL,
        MDSH: groups.MDSH,
      },
    };
  };
  const own = Object.fromEntries(GROUP_CODES.map((g) => [g, ctx.r.province[g].score])) as Record<
    GroupCode,
    number | null
  >;
  const rows = [
    rowOf(s.province.id, s.province.name, s.province.code, own),
    ...ctx.r.others.map((p) => rowOf(p.id, p.name, p.code, p.groups)),
  ].sort(byScoreDesc);
  const mean = (xs: Array<number | null>) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? round2(v.reduce((a, b) => a + b, 0) / v.length) : null;
  };
  const avg = mean(rows.map((r) => r.totalScore));
  const groupAvg = Object.fromEntries(
    GROUP_CODES.map((g) => [g, { score: mean(rows.map((r) => r.groupScores[g])), max: maxOf(g) }]),
  ) as Record<GroupCode, { score: number | null; max: number }>;
  const volume = 12_000_000 + Math.round(rnd(ctx.r, 'national', 'vol') * 2_000_000);
  return {
    overview: {
      departmentName: 'Cả nước',
      departmentCode: null,
      totalScore: avg,
      totalMaxScore: totalMax,
      ratio: ratioOf(avg, totalMax),
    },
    growthPercent: round2(rnd(ctx.r, 'national', 'growth') * 50),
    radar: radar(groupAvg),
    donuts: donuts(ctx, 'national', volume),
    evaluation: rows,
    ...charts(ctx, 'national', avg),
  };
}

const noData = (message: string, req: ReplayRequest): GeneratedAnswer => ({
  status: 404,
  body: { replay: 'no-data', message, endpoint: req.endpoint, call: req.call, body: req.body },
});

/**
 * The answer of one request on one date. 503 before the scenario's first day; 404
 * (`replay: "no-data"`) for another province, another year than the day in force, a period
 * starting after the date, or a handling-satisfaction range that is not a whole year, quarter
 * or month.
 */
export function answerFromScenario(c: CompiledScenario, req: ReplayRequest, date: string): GeneratedAnswer {
  const day = c.dayFor(date);
  if (day === null) {
    return {
      status: 503,
      body: {
        replay: 'no-data-yet',
        message: `the scenario starts on ${c.dates[0]}; nothing was computed by ${date}`,
        firstDay: c.dates[0],
      },
    };
  }
  if (!req.period)
    return noData('the replay portal answers whole-period date ranges only (a year, quarter or month)', req);
  const period: Period = req.period;
  // The scenario's values describe the year of the day in force; other years were not computed.
  if (period.year !== Number(day.slice(0, 4))) {
    return noData(`the scenario describes ${day.slice(0, 4)}; asked ${periodKey(period)}`, req);
  }
  if (periodRange(period).fromDate > date) {
    return noData(`period ${periodKey(period)} starts after the answered date ${date}`, req);
  }
  if (req.call !== 'national' && req.rootDepartmentId !== c.scenario.province.id) {
    return noData(
      `this scenario describes only ${c.scenario.province.code} (${c.scenario.province.id}); asked rootDepartmentId ${req.rootDepartmentId}`,
      req,
    );
  }
  const ctx: Ctx = { c, r: c.resolve(day, period), req, date };
  switch (req.call) {
    case 'national':
      return { status: 201, body: envelope(nationalResults(ctx)) };
    case 'service-results':
      return { status: 201, body: envelope(provinceResults(ctx)) };
    case 'transparency':
    case 'handling-satisfaction':
    case 'dossier-digitized':
      return { status: 201, body: envelope(shapeA(ctx, req.call)) };
    case 'dvc-progress-tree':
      return { status: 201, body: envelope(treeTdgq(ctx)) };
    case 'provide-online-tree':
      return { status: 201, body: envelope(treeClgq(ctx)) };
    case 'formality-online-payment-tree':
      return { status: 201, body: envelope(treeTttt(ctx)) };
  }
}

export type { GroupStates };
