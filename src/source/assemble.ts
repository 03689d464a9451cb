/**
 * Join one run's captures into a {@link ProvinceDay}: the province (TOTAL and rank among the
 * 34 from the national list, its six groups) and every agency and commune with its TOTAL and
 * six group scores, all joined on departmentId. Gaps are reported as {@link Problem}s, never
 * filled: a missing call, a unit absent from one group's list, a unit only a group list
 * knows, a province figure that differs between calls.
 */
import {
  GROUP_CODES,
  type GroupCode,
  type IsoDate,
  type Period,
  type ScoreGroup,
  type UnitKind,
} from '../domain.js';
import { PortalFormatError } from '../errors.js';
import { parseCapture } from './parse-capture.js';
import { settleDuplicates } from './parse-checks.js';
import { competitionRanks } from './parse-fields.js';
import { SHAPE_A_GROUP } from './parse-shape-a.js';
import { TREE_GROUP } from './parse-tree.js';
import { CALLS, type CallName } from './requests.js';
import type { ParsedCapture, Problem, ProvinceDay, ScoreObservation, UnitObservation } from './types.js';

export interface CaptureBody {
  readonly call: CallName;
  /** 1-based page of a paged component call (1 for the others). */
  readonly page: number;
  /** The 2xx body as received. */
  readonly body: Buffer | string;
}

export interface AssembleInput {
  readonly provinceId: string;
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  readonly period: Period;
  readonly captures: ReadonlyArray<CaptureBody>;
}

type ComponentCall = Exclude<CallName, 'national' | 'service-results'>;

/** The component call that scores each group (verified by matching Phú Thọ's numbers). */
export const GROUP_CALL: Readonly<Record<GroupCode, ComponentCall>> = (() => {
  const out = {} as Record<GroupCode, ComponentCall>;
  for (const [call, group] of Object.entries({ ...SHAPE_A_GROUP, ...TREE_GROUP }))
    out[group] = call as ComponentCall;
  return out;
})();

function fmt(score: number | null): string {
  return score === null ? 'null' : score.toFixed(2);
}

function sameScore(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.round(a * 100) === Math.round(b * 100);
}

/** Starts the message of a `missing-call` problem whose answer came but could not be parsed. */
export const UNUSABLE_ANSWER = 'unusable answer';

/**
 * Parse every page of one call and merge them: a unit on two pages with the same figures is
 * one unit; with different figures the differing values are nulled and said (never a silent
 * first-wins). `complete` is false when a page is missing.
 */
function parseCall(
  call: CallName,
  pages: readonly CaptureBody[],
  provinceId: string,
  problems: Problem[],
): { parsed: ParsedCapture; complete: boolean } | null {
  const seenPages = new Set<number>();
  const parsed: ParsedCapture[] = [];
  for (const c of [...pages].sort((a, b) => a.page - b.page)) {
    if (seenPages.has(c.page)) continue;
    seenPages.add(c.page);
    try {
      parsed.push(parseCapture(call, c.body, { provinceId }));
    } catch (e) {
      // An answer the parser cannot use (a required field missing, …) is a missing call: it
      // contributes nothing, the other answers of the day are stored, the problem says why.
      if (!(e instanceof PortalFormatError)) throw e;
      seenPages.delete(c.page);
      problems.push({ kind: 'missing-call', call, message: `${call}: ${UNUSABLE_ANSWER} (${e.message})` });
    }
  }
  if (parsed.length === 0) return null;
  for (const p of parsed) problems.push(...p.problems);
  const merged =
    parsed.length === 1
      ? parsed[0]!
      : (() => {
          const settled = settleDuplicates(
            call,
            parsed.flatMap((p) => p.units),
            parsed.flatMap((p) => p.scores),
            parsed.flatMap((p) => p.metrics),
          );
          problems.push(...settled.problems);
          return { ...parsed[0]!, ...settled };
        })();
  const first = parsed[0]!;
  const totalPages = Math.max(0, ...parsed.map((p) => p.pagination?.totalPages ?? 0));
  const missingPages: number[] = [];
  for (let n = 1; n <= totalPages; n++) if (!seenPages.has(n)) missingPages.push(n);
  if (missingPages.length > 0)
    problems.push({
      kind: 'missing-call',
      call,
      message: `${call}: page(s) ${missingPages.join(', ')} of ${totalPages} have no answer; units on them are missing`,
    });
  return {
    parsed: {
      call,
      units: merged.units,
      scores: merged.scores,
      metrics: merged.metrics,
      problems: [],
      pagination: first.pagination,
      extras: first.extras,
    },
    complete: missingPages.length === 0,
  };
}

/**
 * The same unusable value seen in several answers (a name with a NUL byte is in all seven
 * lists) is one problem: the first, with the number of other answers that said the same.
 */
function mergeProblems(problems: readonly Problem[]): Problem[] {
  const out: Problem[] = [];
  const byKey = new Map<string, { index: number; others: number }>();
  for (const p of problems) {
    if (p.kind !== 'invalid-value' || p.field === undefined) {
      out.push(p);
      continue;
    }
    const key = `${p.unitId ?? ''}|${p.field}|${p.value ?? ''}|${p.group === 'TOTAL' || p.field === 'departmentName' || p.field === 'departmentCode' ? '' : (p.group ?? '')}`;
    const seen = byKey.get(key);
    if (seen) seen.others++;
    else {
      byKey.set(key, { index: out.length, others: 0 });
      out.push(p);
    }
  }
  for (const { index, others } of byKey.values())
    if (others > 0) {
      const p = out[index]!;
      out[index] = {
        ...p,
        message: `${p.message} (the same in ${others} other answer${others > 1 ? 's' : ''})`,
      };
    }
  return out;
}

function label(u: UnitObservation): string {
  const name = u.name ?? u.id;
  return u.code ? `${name} (${u.code})` : name;
}

/**
 * Assemble one province-day. Pass only captures that arrived with a 2xx status; a body that
 * does not parse makes this throw its PortalFormatError (the caller decides what to do).
 *
 * - The province: TOTAL with its rank among the national list, and its six groups from the
 *   national `groupScores`; without the national call, TOTAL from the province's own
 *   service-results overview and the groups from the component overviews/parents.
 * - Units: from the province's service-results list (TOTAL ranked within agencies and within
 *   communes, competition ranking; null totals unranked), each with the six groups from the
 *   component lists. Without that call, units are the union of the component lists and have
 *   no TOTAL at all.
 */
export function assembleProvinceDay(input: AssembleInput): ProvinceDay {
  const { provinceId } = input;
  const problems: Problem[] = [];
  const byCall = new Map<CallName, ParsedCapture>();
  const complete = new Set<CallName>();
  for (const call of CALLS) {
    const pages = input.captures.filter((c) => c.call === call);
    if (pages.length === 0) {
      problems.push({ kind: 'missing-call', call, message: `${call}: no answer in this run` });
      continue;
    }
    const res = parseCall(call, pages, provinceId, problems);
    if (!res) continue;
    byCall.set(call, res.parsed);
    if (res.complete) complete.add(call);
  }
  const index = new Map<ParsedCapture, Map<string, ScoreObservation>>();
  for (const p of byCall.values()) index.set(p, new Map(p.scores.map((s) => [`${s.unitId}|${s.group}`, s])));
  const scoreOf = (p: ParsedCapture | undefined, unitId: string, group: ScoreObservation['group']) =>
    p ? index.get(p)?.get(`${unitId}|${group}`) : undefined;

  // ---- the province -------------------------------------------------------------------
  const national = byCall.get('national');
  const own = byCall.get('service-results');
  const nationalRow = national?.units.find((u) => u.id === provinceId);
  if (national && !nationalRow)
    problems.push({
      kind: 'missing-unit',
      call: 'national',
      unitId: provinceId,
      message: `national: province ${input.provinceCode} (${provinceId}) is not in the national list`,
    });
  const componentProvince = GROUP_CODES.map((g) =>
    byCall.get(GROUP_CALL[g])?.units.find((u) => u.id === provinceId && u.name !== null),
  ).find((u) => u !== undefined);
  // A name no answer sent stays null (the stored one is kept): never the code as a stand-in.
  const provinceName =
    nationalRow?.name ?? own?.units.find((u) => u.id === provinceId)?.name ?? componentProvince?.name ?? null;
  const province: UnitObservation = {
    id: provinceId,
    code: input.provinceCode,
    name: provinceName,
    kind: 'province',
    parentId: null,
  };

  const scores: ScoreObservation[] = [];
  const nationalTotal = nationalRow ? scoreOf(national, provinceId, 'TOTAL') : undefined;
  const ownTotal = scoreOf(own, provinceId, 'TOTAL');
  if (nationalTotal && ownTotal && !sameScore(nationalTotal.score, ownTotal.score))
    problems.push({
      kind: 'province-mismatch',
      call: 'service-results',
      unitId: provinceId,
      message: `TOTAL: national list says ${fmt(nationalTotal.score)}, the province's own list ${fmt(ownTotal.score)}`,
    });
  // The national rows carry no maximum (the parser assumes 100); the province's own overview
  // does, so a formula change shows up as a new maximum rather than as a fall.
  const provinceTotal = nationalTotal
    ? { ...nationalTotal, maxScore: ownTotal?.maxScore ?? nationalTotal.maxScore }
    : ownTotal
      ? { ...ownTotal, rank: null, rankOf: null }
      : undefined;
  if (provinceTotal) scores.push(provinceTotal);
  for (const g of GROUP_CODES) {
    const nat = nationalRow ? scoreOf(national, provinceId, g) : undefined;
    const comp = scoreOf(byCall.get(GROUP_CALL[g]), provinceId, g);
    if (nat && comp && !sameScore(nat.score, comp.score))
      problems.push({
        kind: 'province-mismatch',
        call: GROUP_CALL[g],
        unitId: provinceId,
        group: g,
        message: `${g}: national list says ${fmt(nat.score)}, ${GROUP_CALL[g]} says ${fmt(comp.score)}`,
      });
    // The national figure is the one the ranking uses; the component's maximum (the national
    // rows carry none) and flags still describe it.
    if (nat) scores.push(comp ? { ...nat, maxScore: comp.maxScore ?? nat.maxScore, flags: comp.flags } : nat);
    else if (comp) scores.push(comp);
  }

  // ---- agencies and communes ----------------------------------------------------------
  const units = new Map<string, UnitObservation>();
  const addUnit = (u: UnitObservation) => {
    if (u.id === provinceId || u.kind === 'province') return;
    const known = units.get(u.id);
    if (!known) units.set(u.id, { ...u, parentId: provinceId });
    else if ((known.code === null && u.code !== null) || (known.name === null && u.name !== null))
      units.set(u.id, { ...known, code: known.code ?? u.code, name: known.name ?? u.name });
  };
  const components = GROUP_CODES.map((g) => ({
    group: g,
    call: GROUP_CALL[g],
    parsed: byCall.get(GROUP_CALL[g]),
  }));
  if (own) {
    for (const u of own.units) addUnit(u);
  } else {
    for (const c of components) for (const u of c.parsed?.units ?? []) addUnit(u);
  }
  const listed = new Set(units.keys());
  for (const c of components) {
    if (!c.parsed) continue;
    const inList = new Set(c.parsed.units.map((u) => u.id));
    for (const id of listed)
      if (!inList.has(id))
        problems.push({
          kind: 'missing-unit',
          call: c.call,
          unitId: id,
          group: c.group,
          message: `${label(units.get(id)!)} is missing from ${c.call} (${c.group})`,
        });
    for (const u of c.parsed.units) {
      if (u.id === provinceId || u.kind === 'province') continue;
      if (!listed.has(u.id))
        problems.push({
          kind: 'unknown-unit',
          call: c.call,
          unitId: u.id,
          group: c.group,
          message: `${c.call} (${c.group}) lists ${label(u)}, which the province's own list does not have`,
        });
      addUnit(u);
    }
  }

  const ordered = (kind: UnitKind) => [...units.values()].filter((u) => u.kind === kind);
  const lists = [ordered('agency'), ordered('commune')];
  const unitScores: ScoreObservation[] = [];
  for (const list of lists) {
    const totals = list.map((u) => scoreOf(own, u.id, 'TOTAL'));
    const ranks = competitionRanks(totals.map((t) => t?.score ?? null));
    list.forEach((u, i) => {
      const total = totals[i];
      if (total) unitScores.push({ ...total, rank: ranks[i] ?? null, rankOf: list.length });
      for (const c of components) {
        const s = scoreOf(c.parsed, u.id, c.group);
        if (s) unitScores.push(s);
      }
    });
  }
  scores.push(...unitScores);

  const allUnits = [province, ...lists.flat()];
  const order = new Map(allUnits.map((u, i) => [u.id, i]));
  const metrics = components
    .flatMap((c) => c.parsed?.metrics ?? [])
    .filter((m) => order.has(m.unitId))
    .sort((a, b) => order.get(a.unitId)! - order.get(b.unitId)!);

  // A group's stored rows may be replaced only by an answer that covers them all.
  const answered: ScoreGroup[] = [];
  if (complete.has('service-results')) answered.push('TOTAL');
  for (const g of GROUP_CODES) if (complete.has(GROUP_CALL[g])) answered.push(g);

  return {
    provinceId,
    provinceCode: input.provinceCode,
    reportDate: input.reportDate,
    period: input.period,
    units: allUnits,
    scores,
    metrics,
    problems: mergeProblems(problems),
    answered,
  };
}
