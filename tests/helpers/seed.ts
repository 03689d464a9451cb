/**
 * Seed history directly with SQL (no portal, no pipeline): units of a province, daily scores
 * for chosen periods, sub-metrics, runs. Values are deterministic (a hash of unit, group and
 * day), so tests can compute what to expect; `value` overrides them and may return null
 * ("the portal gave no value"), which is stored as NULL, never 0.
 */
import { createHash } from 'node:crypto';
import {
  addDays,
  GROUP_CODES,
  GROUP_MAX,
  type GroupCode,
  type IsoDate,
  type PeriodType,
  periodOf,
  type ScoreGroup,
  searchKey,
  type UnitKind,
} from '../../src/domain.js';
import { provinceByCode } from '../../src/source/requests.js';
import type { Queryable } from '../../src/store/db.js';

export interface SeedUnit {
  readonly id: string;
  readonly code: string | null;
  readonly name: string;
  readonly kind: UnitKind;
  readonly provinceId: string | null;
}

export interface SeedProvince {
  readonly province: SeedUnit;
  readonly agencies: SeedUnit[];
  readonly communes: SeedUnit[];
  /** Province, agencies, communes in that order. */
  readonly units: SeedUnit[];
}

/** A stable uuid from any text (so a re-seed produces the same ids). */
export function seedUuid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const AGENCY_NAMES = [
  'Sở Y tế',
  'Sở Giáo dục và Đào tạo',
  'Sở Tài chính',
  'Sở Xây dựng',
  'Sở Nội vụ',
  'Sở Tư pháp',
  'Sở Công Thương',
  'Sở Nông nghiệp và Môi trường',
  'Sở Khoa học và Công nghệ',
  'Sở Văn hóa, Thể thao và Du lịch',
  'Sở Dân tộc và Tôn giáo',
  'Thanh tra tỉnh',
  'Công an tỉnh',
  'Ban Quản lý các khu kinh tế',
  'Bảo hiểm xã hội tỉnh',
  'Thuế tỉnh',
];
export const COMMUNE_NAMES = [
  'Phường Điện Biên Phủ',
  'Phường Mường Thanh',
  'Phường Mường Lay',
  'Xã Mường Phăng',
  'Xã Nà Tấu',
  'Xã Thanh Nưa',
  'Xã Mường Chà',
  'Xã Tủa Chùa',
  'Xã Tuần Giáo',
  'Xã Mường Ảng',
  'Xã Điện Biên Đông',
  'Xã Núa Ngam',
  'Xã Sín Thầu',
  'Xã Mường Nhé',
  'Xã Chà Tở',
  'Xã Pu Nhi',
];

/**
 * A province with `agencies` agencies and `communes` communes (names from the lists above,
 * then numbered). The province's id is the real departmentId when the code is known.
 */
export function makeProvince(
  opts: { code?: string; name?: string; agencies?: number; communes?: number } = {},
): SeedProvince {
  const code = opts.code ?? 'H18';
  const known = provinceByCode(code);
  const province: SeedUnit = {
    id: known?.id ?? seedUuid(`province:${code}`),
    code,
    name: opts.name ?? known?.name ?? `UBND tỉnh ${code}`,
    kind: 'province',
    provinceId: null,
  };
  const agencies = Array.from(
    { length: opts.agencies ?? 6 },
    (_, i): SeedUnit => ({
      id: seedUuid(`${code}:agency:${i}`),
      code: `${code}.${String(i + 1).padStart(2, '0')}`,
      name: AGENCY_NAMES[i] ?? `Sở số ${i + 1}`,
      kind: 'agency',
      provinceId: province.id,
    }),
  );
  const communes = Array.from(
    { length: opts.communes ?? 8 },
    (_, i): SeedUnit => ({
      id: seedUuid(`${code}:commune:${i}`),
      code: `${code}.${100 + i + 1}`,
      name: COMMUNE_NAMES[i] ?? `Xã số ${i + 1}`,
      kind: 'commune',
      provinceId: province.id,
    }),
  );
  return { province, agencies, communes, units: [province, ...agencies, ...communes] };
}

export async function insertUnits(
  db: Queryable,
  units: readonly SeedUnit[],
  seen: { firstSeen: IsoDate; lastSeen: IsoDate },
): Promise<void> {
  // Provinces first: agencies and communes reference them.
  const sorted = [...units].sort((a, b) => Number(b.kind === 'province') - Number(a.kind === 'province'));
  await db.query(
    `insert into units (id, code, name, name_key, kind, province_id, first_seen, last_seen)
     select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::date[], $8::date[])
     on conflict (id) do update set first_seen = least(units.first_seen, excluded.first_seen),
       last_seen = greatest(units.last_seen, excluded.last_seen)`,
    [
      sorted.map((u) => u.id),
      sorted.map((u) => u.code),
      sorted.map((u) => u.name.normalize('NFC')),
      sorted.map((u) => searchKey(u.name)),
      sorted.map((u) => u.kind),
      sorted.map((u) => u.provinceId),
      sorted.map(() => seen.firstSeen),
      sorted.map(() => seen.lastSeen),
    ],
  );
}

export interface SeedScore {
  readonly unitId: string;
  readonly date: IsoDate;
  readonly periodType: PeriodType;
  readonly periodYear: number;
  readonly periodNumber: number;
  readonly group: ScoreGroup;
  readonly score: number | null;
  readonly max: number | null;
  readonly rank?: number | null;
  readonly rankOf?: number | null;
  readonly flags?: readonly string[];
  readonly runId?: number | null;
}

/** Insert (or overwrite) score rows in batches with unnest. */
export async function insertScores(db: Queryable, rows: readonly SeedScore[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 20_000) {
    const b = rows.slice(i, i + 20_000);
    await db.query(
      `insert into scores (unit_id, report_date, period_type, period_year, period_number, grp, score, max_score,
                           rank, rank_of, flags, run_id)
       select u, d, pt, py, pn, g, s, m, r, ro, coalesce(string_to_array(nullif(f, ''), '|'), '{}'), run
         from unnest($1::uuid[], $2::date[], $3::text[], $4::int[], $5::int[], $6::text[], $7::numeric[],
                     $8::numeric[], $9::int[], $10::int[], $11::text[], $12::bigint[])
           as t(u, d, pt, py, pn, g, s, m, r, ro, f, run)
       on conflict (unit_id, grp, period_type, period_year, period_number, report_date) do update set
         score = excluded.score, max_score = excluded.max_score, rank = excluded.rank,
         rank_of = excluded.rank_of, flags = excluded.flags`,
      [
        b.map((r) => r.unitId),
        b.map((r) => r.date),
        b.map((r) => r.periodType),
        b.map((r) => r.periodYear),
        b.map((r) => r.periodNumber),
        b.map((r) => r.group),
        b.map((r) => r.score),
        b.map((r) => r.max),
        b.map((r) => r.rank ?? null),
        b.map((r) => r.rankOf ?? null),
        b.map((r) => (r.flags ?? []).join('|')),
        b.map((r) => r.runId ?? null),
      ],
    );
  }
}

export interface SeedMetric {
  readonly unitId: string;
  readonly date: IsoDate;
  readonly periodType: PeriodType;
  readonly periodYear: number;
  readonly periodNumber: number;
  readonly group: GroupCode;
  readonly code: string;
  readonly name: string | null;
  readonly numerator: number | null;
  readonly denominator: number | null;
  readonly ratio: number | null;
  readonly score: number | null;
  readonly max: number | null;
}

export async function insertMetrics(db: Queryable, rows: readonly SeedMetric[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 20_000) {
    const b = rows.slice(i, i + 20_000);
    await db.query(
      `insert into metrics (unit_id, report_date, period_type, period_year, period_number, grp, code, name,
                            numerator, denominator, ratio, score, max_score)
       select * from unnest($1::uuid[], $2::date[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[],
                            $8::text[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], $13::numeric[])
       on conflict do nothing`,
      [
        b.map((r) => r.unitId),
        b.map((r) => r.date),
        b.map((r) => r.periodType),
        b.map((r) => r.periodYear),
        b.map((r) => r.periodNumber),
        b.map((r) => r.group),
        b.map((r) => r.code),
        b.map((r) => r.name),
        b.map((r) => r.numerator),
        b.map((r) => r.denominator),
        b.map((r) => r.ratio),
        b.map((r) => r.score),
        b.map((r) => r.max),
      ],
    );
  }
}

export interface SeedRun {
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  readonly status?: string;
  readonly trigger?: string;
  readonly requestCount?: number;
  readonly errorClass?: string | null;
  readonly errorMessage?: string | null;
  readonly startedAt?: Date | null;
  readonly finishedAt?: Date | null;
}

/** Insert a run row; returns its id. */
export async function insertRun(db: Queryable, r: SeedRun): Promise<number> {
  const res = await db.query<{ id: string }>(
    `insert into runs (province_code, report_date, trigger, status, periods, request_count, error_class,
                       error_message, started_at, finished_at)
     values ($1, $2, $3, $4, '{year}', $5, $6, $7, $8, $9) returning id`,
    [
      r.provinceCode,
      r.reportDate,
      r.trigger ?? 'schedule',
      r.status ?? 'done',
      r.requestCount ?? 25,
      r.errorClass ?? null,
      r.errorMessage ?? null,
      r.startedAt === undefined ? new Date(`${r.reportDate}T21:30:00Z`) : r.startedAt,
      r.finishedAt === undefined ? new Date(`${r.reportDate}T21:31:00Z`) : r.finishedAt,
    ],
  );
  return Number(res.rows[0]!.id);
}

/** A pseudo-random fraction in [0, 1) from text: the seed for deterministic values. */
export function unitFraction(text: string): number {
  return createHash('sha1').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * The default group score of a unit on the `day`-th day: a per-unit level between 40 % and
 * 95 % of the group's maximum, drifting slowly, two decimals.
 */
export function defaultGroupScore(unit: SeedUnit, group: GroupCode, day: number): number {
  const level = 0.4 + 0.55 * unitFraction(`${unit.id}:${group}`);
  const wave = 0.03 * Math.sin((day + 17 * unitFraction(unit.id)) / 9);
  const v = Math.min(1, Math.max(0, level + wave)) * GROUP_MAX[group];
  return Math.round(v * 100) / 100;
}

export type ValueFn = (unit: SeedUnit, group: GroupCode, day: number, date: IsoDate) => number | null;

export interface HistoryOptions {
  /** First report date. */
  readonly from: IsoDate;
  readonly days: number;
  /** Default: year only. */
  readonly periodTypes?: readonly PeriodType[];
  /** Override a group's score; return null for "no value". */
  readonly value?: ValueFn;
  /** Days (0-based) with nothing stored at all: gaps. */
  readonly gapDays?: readonly number[];
}

/**
 * Scores for every unit, group and day: the six groups from `value` (default
 * {@link defaultGroupScore}), TOTAL as their sum (null when any group is null), ranks within
 * each kind's list by TOTAL (the province gets rank 20 of 34).
 */
export function buildScores(p: SeedProvince, opts: HistoryOptions): SeedScore[] {
  const out: SeedScore[] = [];
  const value = opts.value ?? ((u, g, d) => defaultGroupScore(u, g, d));
  const gaps = new Set(opts.gapDays ?? []);
  for (let day = 0; day < opts.days; day++) {
    if (gaps.has(day)) continue;
    const date = addDays(opts.from, day);
    const totals = new Map<string, number | null>();
    const groupRows: Omit<SeedScore, 'periodType' | 'periodYear' | 'periodNumber'>[] = [];
    for (const u of p.units) {
      let total: number | null = 0;
      for (const g of GROUP_CODES) {
        const s = value(u, g, day, date);
        total = s === null || total === null ? null : Math.round((total + s) * 100) / 100;
        groupRows.push({ unitId: u.id, date, group: g, score: s, max: GROUP_MAX[g] });
      }
      totals.set(u.id, total);
    }
    const rankOf = new Map<string, { rank: number | null; of: number }>();
    for (const list of [p.agencies, p.communes]) {
      const scored = list.filter((u) => totals.get(u.id) !== null);
      scored.sort((a, b) => (totals.get(b.id) ?? 0) - (totals.get(a.id) ?? 0));
      scored.forEach((u, i) => {
        rankOf.set(u.id, { rank: i + 1, of: scored.length });
      });
      for (const u of list) if (!rankOf.has(u.id)) rankOf.set(u.id, { rank: null, of: scored.length });
    }
    rankOf.set(p.province.id, { rank: 20, of: 34 });
    for (const type of opts.periodTypes ?? ['year']) {
      const period = periodOf(type, date);
      const base = { periodType: type, periodYear: period.year, periodNumber: period.number };
      for (const r of groupRows) out.push({ ...r, ...base });
      for (const u of p.units) {
        const rk = rankOf.get(u.id)!;
        const total = totals.get(u.id) ?? null;
        out.push({
          unitId: u.id,
          date,
          group: 'TOTAL',
          score: total,
          max: 100,
          rank: total === null ? null : rk.rank,
          rankOf: rk.of,
          ...base,
        });
      }
    }
  }
  return out;
}

/** Sub-metrics behind TTTT (payment) and MDSH (digitisation), consistent with the group scores. */
export function buildMetrics(scores: readonly SeedScore[]): SeedMetric[] {
  const out: SeedMetric[] = [];
  for (const s of scores) {
    if (s.group !== 'TTTT' && s.group !== 'MDSH') continue;
    const parts =
      s.group === 'TTTT'
        ? [
            { code: 'ONLINE_PAYMENT_DOSSIERS', name: 'Hồ sơ thanh toán trực tuyến', max: 6 },
            { code: 'ONLINE_PAYMENT_FORMALITIES', name: 'Thủ tục có thanh toán trực tuyến', max: 4 },
          ]
        : [
            { code: 'ORIGINAL_RESULT_AVAILABLE', name: 'Kết quả giải quyết được số hóa', max: 12 },
            { code: 'SO_HOA_GIAY_TO_GIAI_QUYET', name: 'Số hóa giấy tờ khi tiếp nhận', max: 10 },
          ];
    const total = parts.reduce((a, p) => a + p.max, 0);
    for (const p of parts) {
      const score = s.score === null ? null : Math.round(((s.score * p.max) / total) * 100) / 100;
      const denominator = 200 + Math.round(300 * unitFraction(`${s.unitId}:${p.code}`));
      const numerator = score === null ? null : Math.round((denominator * score) / p.max);
      out.push({
        unitId: s.unitId,
        date: s.date,
        periodType: s.periodType,
        periodYear: s.periodYear,
        periodNumber: s.periodNumber,
        group: s.group,
        code: p.code,
        name: p.name,
        numerator,
        denominator,
        ratio: numerator === null ? null : Math.round((numerator / denominator) * 10000) / 100,
        score,
        max: p.max,
      });
    }
  }
  return out;
}

export interface SeededHistory extends SeedProvince {
  readonly dates: IsoDate[];
  readonly scores: SeedScore[];
}

/**
 * A province with units, `days` of scores from `from` (all gaps excluded), sub-metrics for
 * TTTT/MDSH and one `done` run per stored day.
 */
export async function seedHistory(
  db: Queryable,
  opts: HistoryOptions & {
    code?: string;
    agencies?: number;
    communes?: number;
    runs?: boolean;
    metrics?: boolean;
  },
): Promise<SeededHistory> {
  const p = makeProvince({ code: opts.code, agencies: opts.agencies, communes: opts.communes });
  const gaps = new Set(opts.gapDays ?? []);
  const dates = Array.from({ length: opts.days }, (_, i) => i)
    .filter((i) => !gaps.has(i))
    .map((i) => addDays(opts.from, i));
  await insertUnits(db, p.units, { firstSeen: opts.from, lastSeen: addDays(opts.from, opts.days - 1) });
  const scores = buildScores(p, opts);
  await insertScores(db, scores);
  if (opts.metrics !== false) await insertMetrics(db, buildMetrics(scores));
  if (opts.runs !== false)
    for (const d of dates) await insertRun(db, { provinceCode: p.province.code!, reportDate: d });
  return { ...p, dates, scores };
}

export interface AlertSeed {
  readonly provinceCode: string;
  readonly unitId: string;
  readonly group: GroupCode;
  readonly periodType?: PeriodType;
  readonly periodYear: number;
  readonly periodNumber?: number;
  readonly maxScore: number;
  readonly openedOn: IsoDate;
  readonly resolvedOn?: IsoDate | null;
  readonly lastSeenOn: IsoDate;
  readonly baseline: number;
  readonly current: number;
  readonly worst: number;
}

/** Insert an alert episode (tables of the alerts migration) and its `opened` event; returns its id. */
export async function insertAlert(db: Queryable, a: AlertSeed): Promise<number> {
  const resolved = a.resolvedOn ?? null;
  const res = await db.query<{ id: string }>(
    `insert into alerts (province_code, unit_id, grp, period_type, period_year, period_number, max_score, status,
                         resolution, opened_on, baseline, current, worst, last_seen_on, resolved_on)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) returning id`,
    [
      a.provinceCode,
      a.unitId,
      a.group,
      a.periodType ?? 'year',
      a.periodYear,
      a.periodNumber ?? 0,
      a.maxScore,
      resolved ? 'resolved' : 'open',
      resolved ? 'recovered' : null,
      a.openedOn,
      a.baseline,
      a.current,
      a.worst,
      a.lastSeenOn,
      resolved,
    ],
  );
  const id = Number(res.rows[0]!.id);
  await db.query(
    `insert into alert_events (province_code, report_date, kind, alert_id, unit_id, grp, period_type, period_year,
                               period_number, before, after, compared_on, gap_days)
     values ($1, $2, 'opened', $3, $4, $5, $6, $7, $8, $9, $10, $2::date - 1, 1)`,
    [
      a.provinceCode,
      a.openedOn,
      id,
      a.unitId,
      a.group,
      a.periodType ?? 'year',
      a.periodYear,
      a.periodNumber ?? 0,
      a.baseline,
      a.worst,
    ],
  );
  return id;
}

/** What {@link seedReadScenario} stored, for assertions. */
export interface ReadScenario extends SeededHistory {
  readonly first: IsoDate;
  readonly last: IsoDate;
  /** Sở Y tế: TTTT 6.00 → 5.00 (days 12–15, episode resolved) → 6.00 → 4.50 on the last day (episode open). */
  readonly health: SeedUnit;
  /** Sở Tài chính: MDSH (and so TOTAL) null on day 10 only. */
  readonly finance: SeedUnit;
  /** Sở Xây dựng: TTTT exactly 0 every day (a real zero, not a missing value). */
  readonly construction: SeedUnit;
  /** Xã Nà Tấu: no score at all (not evaluated). */
  readonly notEvaluated: SeedUnit;
  /** Xã Mường Phăng: MDSH falls by 1.00 on the last day. */
  readonly fallingCommune: SeedUnit;
  readonly alertIds: number[];
}

export const SCENARIO_DAYS = 90;
export const SCENARIO_GAP_DAY = 7;

/**
 * The read side's shared scenario: H18 with 5 agencies and 6 communes, 90 report dates from
 * 2026-03-01 (2026-03-08 missing), year and month periods, flat scores except the documented
 * moves, two alert episodes for Sở Y tế's TTTT, one run per stored day.
 */
export async function seedReadScenario(db: Queryable): Promise<ReadScenario> {
  const p = makeProvince({ code: 'H18', agencies: 5, communes: 6 });
  const [health, , finance, construction] = p.agencies;
  const fallingCommune = p.communes[3]!;
  const notEvaluated = p.communes[4]!;
  const last = SCENARIO_DAYS - 1;
  const value: ValueFn = (u, g, day) => {
    if (u.id === notEvaluated.id) return null;
    if (u.id === health!.id && g === 'TTTT') return day === last ? 4.5 : day >= 12 && day <= 15 ? 5 : 6;
    if (u.id === finance!.id && g === 'MDSH' && day === 10) return null;
    if (u.id === construction!.id && g === 'TTTT') return 0;
    const flat = defaultGroupScore(u, g, 0);
    if (u.id === fallingCommune.id && g === 'MDSH' && day === last) return Math.round((flat - 1) * 100) / 100;
    return flat;
  };
  const seeded = await seedHistory(db, {
    from: '2026-03-01',
    days: SCENARIO_DAYS,
    periodTypes: ['year', 'month'],
    gapDays: [SCENARIO_GAP_DAY],
    agencies: 5,
    communes: 6,
    value,
  });
  const first = seeded.dates[0]!;
  const lastDate = seeded.dates.at(-1)!;
  const alertIds = [
    await insertAlert(db, {
      provinceCode: 'H18',
      unitId: health!.id,
      group: 'TTTT',
      periodYear: 2026,
      maxScore: 10,
      openedOn: addDays(first, 12),
      resolvedOn: addDays(first, 16),
      lastSeenOn: addDays(first, 16),
      baseline: 6,
      current: 6,
      worst: 5,
    }),
    await insertAlert(db, {
      provinceCode: 'H18',
      unitId: health!.id,
      group: 'TTTT',
      periodYear: 2026,
      maxScore: 10,
      openedOn: lastDate,
      lastSeenOn: lastDate,
      baseline: 6,
      current: 4.5,
      worst: 4.5,
    }),
  ];
  return {
    ...seeded,
    first,
    last: lastDate,
    health: health!,
    finance: finance!,
    construction: construction!,
    notEvaluated,
    fallingCommune,
    alertIds,
  };
}
