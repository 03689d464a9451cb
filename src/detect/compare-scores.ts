/**
 * The like-for-like comparison behind every alert: a unit's new score against its previous
 * stored score of the same group and period. Pure; all arithmetic in integer hundredths.
 */
import { daysBetween, type IsoDate, toCents } from '../domain.js';

/** One stored score of a (unit, group, period) series. */
export interface Observation {
  readonly date: IsoDate;
  readonly score: number | null;
  readonly maxScore: number | null;
  readonly flags: readonly string[];
}

export interface CompareOptions {
  /** Smallest decrease that counts as a fall, in hundredths of a point (≥ 1). */
  readonly minDropCents: number;
  /** A capture flagged provisional never raises a fall (and never becomes a comparison base). */
  readonly ignoreProvisional: boolean;
}

/**
 * What happened between two observations. Only `fall` can open or worsen an episode; the
 * "never a fall" cases each have their own kind so the caller can say why:
 * - `missing`: the unit has no row on this date (a gap for this unit);
 * - `null`: the portal gave no value;
 * - `provisional`: the capture is flagged provisional and those are ignored;
 * - `first`: no earlier score in this period (start of a new period);
 * - `new-epoch`: the max score changed (a formula change), values are not comparable.
 * Comparable pairs are `fall`, `small-drop` (a decrease below the threshold), `same`, `rise`;
 * they carry the compared date and `gapDays` (1 for consecutive days, more across a gap: a
 * gap is never a fall by itself, the next stored day is compared with the last stored one).
 */
export type Comparison =
  | { readonly kind: 'missing' | 'null' | 'provisional' | 'first' }
  | {
      readonly kind: 'new-epoch';
      readonly fromMax: number | null;
      readonly toMax: number | null;
      readonly previousDate: IsoDate;
    }
  | {
      readonly kind: 'fall' | 'small-drop' | 'same' | 'rise';
      readonly before: number;
      readonly after: number;
      /** after − before, in hundredths (negative for a decrease). */
      readonly deltaCents: number;
      readonly previousDate: IsoDate;
      readonly gapDays: number;
    };

/** Flags the portal uses for provisional figures (TEMP_NATIONAL_REPORT_DENOMINATOR, …). */
export function isProvisional(flags: readonly string[]): boolean {
  return flags.some((f) => /^TEMP_|PROVISIONAL/i.test(f));
}

/**
 * Compare `current` with `previous`, the last stored non-null (and, when provisional
 * captures are ignored, non-provisional) observation of the same series before it.
 * Ties exactly at the threshold are falls; one hundredth less is not.
 */
export function compareScores(
  previous: Observation | null,
  current: Observation | undefined,
  opts: CompareOptions,
): Comparison {
  if (current === undefined) return { kind: 'missing' };
  if (current.score === null) return { kind: 'null' };
  if (opts.ignoreProvisional && isProvisional(current.flags)) return { kind: 'provisional' };
  if (previous === null || previous.score === null) return { kind: 'first' };
  if (toCents(previous.maxScore) !== toCents(current.maxScore))
    return {
      kind: 'new-epoch',
      fromMax: previous.maxScore,
      toMax: current.maxScore,
      previousDate: previous.date,
    };
  const before = toCents(previous.score) as number;
  const after = toCents(current.score) as number;
  const deltaCents = after - before;
  const kind =
    deltaCents > 0
      ? 'rise'
      : deltaCents === 0
        ? 'same'
        : -deltaCents >= opts.minDropCents
          ? 'fall'
          : 'small-drop';
  return {
    kind,
    before: previous.score,
    after: current.score,
    deltaCents,
    previousDate: previous.date,
    gapDays: daysBetween(previous.date, current.date),
  };
}
