/**
 * The value checks every parser runs on what a row says, so that one bad value never sinks a
 * day: a value we cannot use is nulled (or, for an id, its row left out) and said as a
 * {@link Problem} naming the unit, the group, the field and the value. `parse` lists these
 * problems and ingest records them for the run — the same code, so they always agree.
 *
 * - ids are uuids (the `units` key); a row without one is left out;
 * - names, codes and other text have no control characters and are valid Unicode;
 * - 0 ≤ score ≤ max where the portal sent the max, max > 0, and everything fits the columns
 *   (`numeric(6,2)` for scores: at most 9999.99; `numeric(9,2)` for ratios);
 * - counts are ≥ 0; a metric's max may be 0 (tracked-only metrics), its score then null or 0;
 * - a unit listed twice with different figures: the differing values are nulled, never a
 *   silent first-wins.
 *
 * Wrong JSON types and missing fields stay {@link PortalFormatError}s (the format changed).
 */
import { nfc, type ScoreGroup } from '../domain.js';
import { escapeControlChars, printableValue, textFault } from '../text.js';
import type { CallName } from './requests.js';
import type { MetricObservation, Problem, ScoreObservation, UnitObservation } from './types.js';

/** Largest value of a `numeric(6,2)` column (scores, maxima). */
export const SCORE_LIMIT = 9999.99;
/** Largest value of a `numeric(9,2)` column (ratios in %). */
export const RATIO_LIMIT = 9_999_999.99;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** Who a row is about, for messages: as much as is known and usable. */
export interface RowRef {
  readonly unitId?: string;
  readonly code?: string | null;
  readonly name?: string | null;
  readonly group?: ScoreGroup;
}

function fmt(n: number | null): string {
  return n === null ? 'null' : String(n);
}

/** Who a row is about, for messages; every part escaped (it may be the very value refused). */
function label(ref: RowRef): string {
  const who = ref.name ?? ref.code ?? ref.unitId ?? 'a row';
  const extra = [ref.name ? ref.code : null, ref.unitId].filter((x): x is string => !!x);
  return escapeControlChars(extra.length > 0 ? `${who} (${extra.join(', ')})` : who);
}

/** Collects the problems of one body (one call) while its parser reads the rows. */
export class ValueChecks {
  readonly problems: Problem[] = [];

  constructor(readonly call: CallName) {}

  /** Record an unusable value. `outcome` says what was done with it ("stored as null"). */
  invalid(ref: RowRef, field: string, value: unknown, path: string, why: string, outcome: string): void {
    const shown = printableValue(value);
    this.problems.push({
      kind: 'invalid-value',
      call: this.call,
      ...(ref.unitId !== undefined && isUuid(ref.unitId) ? { unitId: ref.unitId.toLowerCase() } : {}),
      ...(ref.group !== undefined ? { group: ref.group } : {}),
      field,
      value: shown,
      path,
      message: `${this.call}${ref.group ? ` (${ref.group})` : ''}: ${label(ref)}: ${field} ${shown} ${why}; ${outcome} [${path}]`,
    });
  }

  /** A row's departmentId: a uuid (lower-cased), or null (the row is left out). */
  id(value: string, path: string, ref: RowRef): string | null {
    if (isUuid(value.trim())) return value.trim().toLowerCase();
    this.invalid(
      { ...ref, unitId: undefined },
      'departmentId',
      value,
      path,
      'is not a uuid',
      'the row is left out',
    );
    return null;
  }

  /**
   * Text the portal sent: NFC, or null when it is empty or has a control character / lone
   * surrogate (a null name never replaces a stored one).
   */
  text(
    value: string | null,
    field: string,
    path: string,
    ref: RowRef,
    opts: { required?: boolean } = {},
  ): string | null {
    if (value === null) return null;
    const fault = value.trim() === '' ? (opts.required ? 'is empty' : null) : textFault(value);
    if (fault === null) return value.trim() === '' ? null : nfc(value);
    this.invalid(
      ref,
      field,
      value,
      path,
      fault.startsWith('is ') ? fault : `has ${fault}`,
      field === 'departmentName' ? 'the name is not used (a stored name stays)' : 'not used',
    );
    return null;
  }

  /**
   * A group or total score and its max. `maxSent`: the max is the portal's (checked); false
   * when we assumed it (national rows), so only the columns' limit bounds the score. An
   * unusable max nulls both (the score cannot be judged); an unusable score nulls the score.
   */
  score(
    score: number | null,
    max: number | null,
    maxSent: boolean,
    scorePath: string,
    maxPath: string,
    ref: RowRef,
  ): { score: number | null; maxScore: number | null } {
    if (maxSent && max !== null && !(max > 0 && max <= SCORE_LIMIT)) {
      this.invalid(
        ref,
        'max',
        max,
        maxPath,
        `is not a usable maximum (0 < max ≤ ${SCORE_LIMIT})`,
        `the score (${fmt(score)}) and its max are stored as null`,
      );
      return { score: null, maxScore: null };
    }
    const bound = maxSent && max !== null ? max : SCORE_LIMIT;
    if (score !== null && !(score >= 0 && score <= bound)) {
      this.invalid(
        ref,
        'score',
        score,
        scorePath,
        `is outside 0–${maxSent && max !== null ? `${fmt(max)} (its max)` : SCORE_LIMIT}`,
        'stored as null',
      );
      return { score: null, maxScore: max };
    }
    return { score, maxScore: max };
  }

  /** A sub-metric's numbers: counts ≥ 0, ratio 0–{@link RATIO_LIMIT}, 0 ≤ score ≤ max, 0 ≤ max ≤ 9999.99. */
  metric(m: MetricObservation, path: string, ref: RowRef): MetricObservation {
    const r: RowRef = { ...ref, group: m.group };
    const at = (f: string) => `${path}.${f}`;
    const metricField = (f: string) => `metric ${m.code} ${f}`;
    let { numerator, denominator, ratio, score, maxScore } = m;
    if (numerator !== null && !(numerator >= 0)) {
      this.invalid(r, metricField('numerator'), numerator, at('numerator'), 'is negative', 'stored as null');
      numerator = null;
    }
    if (denominator !== null && !(denominator >= 0)) {
      this.invalid(
        r,
        metricField('denominator'),
        denominator,
        at('denominator'),
        'is negative',
        'stored as null',
      );
      denominator = null;
    }
    if (ratio !== null && !(ratio >= 0 && ratio <= RATIO_LIMIT)) {
      this.invalid(
        r,
        metricField('ratio'),
        ratio,
        at('ratio'),
        `is outside 0–${RATIO_LIMIT}`,
        'stored as null',
      );
      ratio = null;
    }
    if (maxScore !== null && !(maxScore >= 0 && maxScore <= SCORE_LIMIT)) {
      this.invalid(
        r,
        metricField('maxScore'),
        maxScore,
        at('maxScore'),
        `is outside 0–${SCORE_LIMIT}`,
        'the metric score and max are stored as null',
      );
      maxScore = null;
      score = null;
    }
    const bound = maxScore ?? SCORE_LIMIT;
    if (score !== null && !(score >= 0 && score <= bound)) {
      this.invalid(r, metricField('score'), score, at('score'), `is outside 0–${bound}`, 'stored as null');
      score = null;
    }
    return { ...m, numerator, denominator, ratio, score, maxScore };
  }
}

function sameNum(a: number | null, b: number | null): boolean {
  return a === null || b === null ? a === b : Math.round(a * 100) === Math.round(b * 100);
}

/**
 * One observation per unit, per unit-group and per unit-group-metric. The same unit listed
 * again with the same figures (pages that overlap) is dropped quietly; with different
 * figures, each differing value is nulled and a `duplicate-unit` problem says so — neither
 * copy is trusted over the other.
 */
export function settleDuplicates(
  call: CallName,
  units: readonly UnitObservation[],
  scores: readonly ScoreObservation[],
  metrics: readonly MetricObservation[],
): {
  units: UnitObservation[];
  scores: ScoreObservation[];
  metrics: MetricObservation[];
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const unitById = new Map<string, UnitObservation>();
  const conflict = (
    u: UnitObservation | undefined,
    unitId: string,
    group: ScoreGroup | undefined,
    field: string,
    a: unknown,
    b: unknown,
    outcome: string,
  ) => {
    const shown = `${printableValue(a, 40)} and ${printableValue(b, 40)}`;
    problems.push({
      kind: 'duplicate-unit',
      call,
      unitId,
      ...(group !== undefined ? { group } : {}),
      field,
      value: shown,
      message: `${call}${group ? ` (${group})` : ''}: ${label({ unitId, code: u?.code ?? null, name: u?.name ?? null })} is listed twice with different ${field} (${shown}); ${outcome}`,
    });
  };
  for (const u of units) {
    const known = unitById.get(u.id);
    if (!known) {
      unitById.set(u.id, u);
      continue;
    }
    let merged = known;
    if (known.name !== u.name && known.name !== null && u.name !== null) {
      conflict(
        known,
        u.id,
        undefined,
        'names',
        known.name,
        u.name,
        'the name is not used (a stored name stays)',
      );
      merged = { ...merged, name: null };
    } else if (known.name === null && u.name !== null) merged = { ...merged, name: u.name };
    if (known.code !== u.code && known.code !== null && u.code !== null) {
      conflict(
        known,
        u.id,
        undefined,
        'codes',
        known.code,
        u.code,
        'the code is not used (a stored code stays)',
      );
      merged = { ...merged, code: null };
    } else if (known.code === null && u.code !== null) merged = { ...merged, code: u.code };
    if (known.kind !== u.kind)
      conflict(known, u.id, undefined, 'kinds', known.kind, u.kind, `kept as ${known.kind}`);
    unitById.set(u.id, merged);
  }
  const scoreByKey = new Map<string, ScoreObservation>();
  for (const s of scores) {
    const key = `${s.unitId}|${s.group}`;
    const known = scoreByKey.get(key);
    if (!known) {
      scoreByKey.set(key, s);
      continue;
    }
    if (sameNum(known.score, s.score) && sameNum(known.maxScore, s.maxScore)) continue;
    const u = unitById.get(s.unitId);
    if (!sameNum(known.maxScore, s.maxScore)) {
      conflict(
        u,
        s.unitId,
        s.group,
        'maxima',
        known.maxScore,
        s.maxScore,
        'the score and its max are stored as null',
      );
      scoreByKey.set(key, { ...known, score: null, maxScore: null });
    } else {
      conflict(u, s.unitId, s.group, 'scores', known.score, s.score, 'stored as null');
      scoreByKey.set(key, { ...known, score: null });
    }
  }
  const metricByKey = new Map<string, MetricObservation>();
  const numbers = (m: MetricObservation) =>
    [m.numerator, m.denominator, m.ratio, m.score, m.maxScore] as const;
  for (const m of metrics) {
    const key = `${m.unitId}|${m.group}|${m.code}`;
    const known = metricByKey.get(key);
    if (!known) {
      metricByKey.set(key, m);
      continue;
    }
    const a = numbers(known);
    const b = numbers(m);
    if (a.every((x, i) => sameNum(x, b[i] ?? null))) continue;
    conflict(unitById.get(m.unitId), m.unitId, m.group, `metric ${m.code} figures`, a, b, 'stored as null');
    metricByKey.set(key, {
      ...known,
      numerator: null,
      denominator: null,
      ratio: null,
      score: null,
      maxScore: null,
    });
  }
  return {
    units: [...unitById.values()],
    scores: [...scoreByKey.values()],
    metrics: [...metricByKey.values()],
    problems,
  };
}
