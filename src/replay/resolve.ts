/**
 * Pure resolution of a scenario: which values are in force on a report date (base + every
 * listed day's changes up to it), and the values of a given period derived from them. The
 * rules are documented on the scenario format (`scenario.ts`); this file implements them.
 */
import { GROUP_CODES, GROUP_MAX, type GroupCode, type Period, periodKey } from '../domain.js';
import { InputError } from '../errors.js';
import { PROVINCES } from '../source/requests.js';
import {
  type GroupObject,
  type GroupValue,
  type ProvinceGroups,
  type Scenario,
  type ScenarioChanges,
  type ScenarioMetric,
  type ScenarioUnit,
  scenarioDates,
} from './scenario.js';

/** One group of one unit (or the province) after merging. */
export interface GroupState {
  readonly score: number | null;
  readonly max: number;
  readonly paidOnline: number | undefined;
  readonly withFees: number | undefined;
  /** Verbatim metric rows (year period only). */
  readonly metrics: readonly ScenarioMetric[] | undefined;
  /** Verbatim tree-row fields (year period only). */
  readonly counts: Readonly<Record<string, number | null>> | undefined;
  readonly quality: { readonly status: string; readonly message: string } | null;
  readonly missing: boolean;
}

export type GroupStates = Readonly<Record<GroupCode, GroupState>>;

export interface OtherProvinceState {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly groups: Readonly<Record<GroupCode, number | null>>;
}

/** Everything the server needs to answer for one (report date, period). */
export interface ResolvedPeriod {
  /** The listed scenario day that is in force (≤ the asked date). */
  readonly day: string;
  readonly period: Period;
  readonly seed: number;
  readonly units: readonly { readonly unit: ScenarioUnit; readonly groups: GroupStates }[];
  /** The province's groups (given, or the mean of its units). */
  readonly province: GroupStates;
  readonly others: readonly OtherProvinceState[];
}

/** Mutable merge state of a group (before the max is settled). */
interface Draft {
  score: number | null;
  max: number | undefined;
  paidOnline: number | undefined;
  withFees: number | undefined;
  metrics: ScenarioMetric[] | undefined;
  counts: Record<string, number | null> | undefined;
  quality: { status: string; message: string } | null;
  missing: boolean;
  /** Whether any value was given at all (province groups fall back to the unit mean otherwise). */
  given: boolean;
}

const emptyDraft = (): Draft => ({
  score: null,
  max: undefined,
  paidOnline: undefined,
  withFees: undefined,
  metrics: undefined,
  counts: undefined,
  quality: null,
  missing: false,
  given: false,
});

function mergeGroup(d: Draft, v: GroupValue): void {
  d.given = true;
  if (v === null || typeof v === 'number') {
    d.score = v;
    return;
  }
  const o: GroupObject = v;
  if (o.score !== undefined) d.score = o.score;
  if (o.max !== undefined) d.max = o.max;
  if (o.paidOnline !== undefined) d.paidOnline = o.paidOnline;
  if (o.withFees !== undefined) d.withFees = o.withFees;
  if (o.metrics !== undefined) d.metrics = o.metrics;
  if (o.counts !== undefined) d.counts = o.counts;
  if (o.quality !== undefined) d.quality = o.quality;
  if (o.missing !== undefined) d.missing = o.missing;
}

interface DayState {
  units: Map<string, Record<GroupCode, Draft>>;
  province: Record<GroupCode, Draft>;
  groupMax: Partial<Record<GroupCode, number>>;
  provinces: Map<string, Partial<Record<GroupCode, number | null>>>;
}

const draftGroups = (): Record<GroupCode, Draft> =>
  Object.fromEntries(GROUP_CODES.map((g) => [g, emptyDraft()])) as Record<GroupCode, Draft>;

function applyChanges(state: DayState, c: ScenarioChanges): void {
  for (const [code, values] of Object.entries(c.units ?? {})) {
    const groups = state.units.get(code);
    if (!groups) continue; // the schema already rejects unknown codes
    for (const g of GROUP_CODES) {
      const v = values[g];
      if (v !== undefined) mergeGroup(groups[g], v);
    }
  }
  for (const g of GROUP_CODES) {
    const v = c.province?.[g];
    if (v !== undefined) mergeGroup(state.province[g], v);
    const m = c.groupMax?.[g];
    if (m !== undefined) state.groupMax[g] = m;
  }
  for (const [code, groups] of Object.entries(c.provinces ?? {})) {
    state.provinces.set(code, { ...(state.provinces.get(code) ?? {}), ...groups });
  }
}

function cloneState(s: DayState): DayState {
  const cloneGroups = (g: Record<GroupCode, Draft>) =>
    Object.fromEntries(GROUP_CODES.map((k) => [k, { ...g[k] }])) as Record<GroupCode, Draft>;
  return {
    units: new Map([...s.units].map(([k, v]) => [k, cloneGroups(v)])),
    province: cloneGroups(s.province),
    groupMax: { ...s.groupMax },
    provinces: new Map([...s.provinces].map(([k, v]) => [k, { ...v }])),
  };
}

/** 32-bit FNV-1a hash of a string → [0, 1). Deterministic across runs and machines. */
export function hashUnit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 0x1_0000_0000;
}

/** Round to 2 decimals in fixed point (never 6.669999). */
export const round2 = (n: number): number => Math.round(n * 100) / 100;

/** The other provinces' groups generated from the catalogue when the scenario lists none. */
export function generateOtherProvinces(s: Scenario): OtherProvinceState[] {
  const seed = s.seed ?? 1;
  return PROVINCES.filter((p) => p.id !== s.province.id && p.code !== s.province.code).map((p) => ({
    id: p.id,
    code: p.code,
    name: p.name,
    groups: Object.fromEntries(
      GROUP_CODES.map((g) => [
        g,
        round2(GROUP_MAX[g] * (0.4 + 0.45 * hashUnit(`${seed}|${p.id}|${g}|national`))),
      ]),
    ) as Record<GroupCode, number>,
  }));
}

/**
 * A scenario compiled once: the merged state of every listed day, so answering a request is a
 * lookup plus a small derivation.
 */
export interface CompiledScenario {
  readonly scenario: Scenario;
  readonly dates: readonly string[];
  /** The listed day in force on `date` (latest listed day ≤ date), or null before the first. */
  dayFor(date: string): string | null;
  /** Values of `period` as known on the listed day `day`. */
  resolve(day: string, period: Period): ResolvedPeriod;
}

export function compileScenario(s: Scenario): CompiledScenario {
  const dates = scenarioDates(s);
  const seed = s.seed ?? 1;
  const states = new Map<string, DayState>();
  let state: DayState = {
    units: new Map(s.units.map((u) => [u.code, draftGroups()])),
    province: draftGroups(),
    groupMax: {},
    provinces: new Map(),
  };
  applyChanges(state, s.base);
  for (const d of dates) {
    state = cloneState(state);
    applyChanges(state, s.days[d]!);
    checkMaxima(d, state);
    states.set(d, state);
  }
  const baseOthers: OtherProvinceState[] = s.provinces
    ? s.provinces.map((p) => ({ id: p.id, code: p.code, name: p.name, groups: fillGroups(p.groups) }))
    : generateOtherProvinces(s);

  const cache = new Map<string, ResolvedPeriod>();
  return {
    scenario: s,
    dates,
    dayFor(date) {
      let found: string | null = null;
      for (const d of dates) if (d <= date) found = d;
      return found;
    },
    resolve(day, period) {
      const key = `${day}|${periodKey(period)}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const st = states.get(day);
      if (!st) throw new Error(`scenario has no day ${day}`);
      const res = resolvePeriod(s, seed, day, st, baseOthers, period);
      cache.set(key, res);
      return res;
    },
  };
}

/** A score above its group's max is a mistake in the scenario: say where, before serving it. */
function checkMaxima(day: string, st: DayState): void {
  const check = (who: string, g: GroupCode, d: Draft) => {
    const max = d.max ?? st.groupMax[g] ?? GROUP_MAX[g];
    if (d.score !== null && d.score > max) {
      throw new InputError('scenario', `on ${day}, ${who} ${g} = ${d.score} exceeds its max ${max}`);
    }
  };
  for (const [code, groups] of st.units) for (const g of GROUP_CODES) check(code, g, groups[g]);
  for (const g of GROUP_CODES) check('the province', g, st.province[g]);
}

function fillGroups(g: ProvinceGroups): Record<GroupCode, number | null> {
  return Object.fromEntries(GROUP_CODES.map((k) => [k, g[k] ?? null])) as Record<GroupCode, number | null>;
}

/**
 * Period offset of a score: ±6 % of the group max, a hash of (seed, id, group, period); 0 for
 * the year (the scenario's values are the year's).
 */
export function periodOffset(
  seed: number,
  id: string,
  group: GroupCode,
  period: Period,
  max: number,
): number {
  if (period.type === 'year') return 0;
  return (hashUnit(`${seed}|${id}|${group}|${periodKey(period)}`) * 2 - 1) * 0.06 * max;
}

function deriveScore(
  seed: number,
  id: string,
  g: GroupCode,
  period: Period,
  score: number | null,
  max: number,
) {
  if (score === null) return null;
  if (period.type === 'year') return score;
  return round2(Math.min(max, Math.max(0, score + periodOffset(seed, id, g, period, max))));
}

function settle(
  seed: number,
  id: string,
  d: Draft,
  g: GroupCode,
  groupMax: Partial<Record<GroupCode, number>>,
  period: Period,
): GroupState {
  const max = d.max ?? groupMax[g] ?? GROUP_MAX[g];
  const year = period.type === 'year';
  return {
    score: deriveScore(seed, id, g, period, d.score, max),
    max,
    // Verbatim sub-metrics describe the year; other periods get generated ones (scenario.ts).
    paidOnline: year ? d.paidOnline : undefined,
    withFees: year ? d.withFees : undefined,
    metrics: year ? d.metrics : undefined,
    counts: year ? d.counts : undefined,
    quality: d.quality,
    missing: d.missing,
  };
}

function resolvePeriod(
  s: Scenario,
  seed: number,
  day: string,
  st: DayState,
  baseOthers: readonly OtherProvinceState[],
  period: Period,
): ResolvedPeriod {
  const units = s.units.map((unit) => {
    const drafts = st.units.get(unit.code)!;
    const groups = Object.fromEntries(
      GROUP_CODES.map((g) => [g, settle(seed, unit.id, drafts[g], g, st.groupMax, period)]),
    ) as Record<GroupCode, GroupState>;
    return { unit, groups };
  });
  const province = Object.fromEntries(
    GROUP_CODES.map((g) => {
      const d = st.province[g];
      if (d.given) return [g, settle(seed, s.province.id, d, g, st.groupMax, period)];
      // Not given: the mean of the units that have a score in this group's list.
      const scores = units
        .map((u) => u.groups[g])
        .filter((x) => !x.missing && x.score !== null)
        .map((x) => x.score as number);
      const mean = scores.length === 0 ? null : round2(scores.reduce((a, b) => a + b, 0) / scores.length);
      const max = st.groupMax[g] ?? GROUP_MAX[g];
      const state: GroupState = {
        score: mean,
        max,
        paidOnline: undefined,
        withFees: undefined,
        metrics: undefined,
        counts: undefined,
        quality: null,
        missing: false,
      };
      return [g, state];
    }),
  ) as Record<GroupCode, GroupState>;
  const others = baseOthers.map((p) => {
    const over = st.provinces.get(p.code) ?? {};
    const groups = Object.fromEntries(
      GROUP_CODES.map((g) => {
        const v = over[g] !== undefined ? (over[g] ?? null) : p.groups[g];
        const max = st.groupMax[g] ?? GROUP_MAX[g];
        return [g, deriveScore(seed, p.id, g, period, v, max)];
      }),
    ) as Record<GroupCode, number | null>;
    return { ...p, groups };
  });
  return { day, period, seed, units, province, others };
}

/** Sum of six groups, `null` when any is `null` (never a partial total). */
export function totalOf(groups: Readonly<Record<GroupCode, { score: number | null }>>): number | null {
  let cents = 0;
  for (const g of GROUP_CODES) {
    const v = groups[g].score;
    if (v === null) return null;
    cents += Math.round(v * 100);
  }
  return cents / 100;
}

/** Sum of the six maxima. */
export function totalMaxOf(groups: GroupStates): number {
  return GROUP_CODES.reduce((a, g) => a + groups[g].max, 0);
}

/** Convenience: resolve for a date (null before the first listed day). */
export function resolveAt(c: CompiledScenario, date: string, period: Period): ResolvedPeriod | null {
  const day = c.dayFor(date);
  return day === null ? null : c.resolve(day, period);
}

export type { ScenarioMetric };
