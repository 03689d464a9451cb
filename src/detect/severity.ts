/**
 * How much a fall matters, so the one that needs a phone call today comes first. Pure; all
 * arithmetic in integer hundredths.
 *
 * A fall is measured from its episode's baseline (the score before the episode's first fall)
 * to the score now: a worsening is as serious as the whole episode has become. It is
 * **major** when that depth reaches `ALERT_MAJOR_DROP` points, when the unit's total crossed a
 * classification band down that day, or when the score went from at/above the unit's target
 * (`ALERT_TARGETS`, year period) to below it; otherwise **minor**. The share of the group's
 * maximum is reported beside the points (−3,10 of TTTT's 10 is 31 %).
 */
import { toCents } from '../domain.js';

export type Severity = 'major' | 'minor';
export type MajorBecause = 'size' | 'band' | 'target';

export interface FallMeasure {
  /** The episode's baseline (for a new fall: the score before it). */
  readonly baseline: number;
  /** The score now (for a recovered or still-open episode: its worst). */
  readonly after: number;
  /** The group's maximum; null when not known. */
  readonly maxScore: number | null;
  /** The unit's total crossed a classification band down on the fall's day. */
  readonly bandCrossed?: boolean;
  /** The unit's target for this group and period, or null (none configured, or not the year period). */
  readonly target: number | null;
}

export interface FallSeverity {
  readonly severity: Severity;
  readonly because: readonly MajorBecause[];
  /** baseline − after, in hundredths (≥ 0). */
  readonly depthCents: number;
  /** depth / max score, 0–1; null without a max. */
  readonly share: number | null;
  readonly targetCrossed: boolean;
}

export function fallSeverity(m: FallMeasure, majorDropCents: number): FallSeverity {
  const base = toCents(m.baseline) as number;
  const after = toCents(m.after) as number;
  const depthCents = Math.max(0, base - after);
  const max = toCents(m.maxScore);
  const target = toCents(m.target);
  const targetCrossed = target !== null && base >= target && after < target;
  const because: MajorBecause[] = [];
  if (depthCents >= majorDropCents) because.push('size');
  if (m.bandCrossed) because.push('band');
  if (targetCrossed) because.push('target');
  return {
    severity: because.length > 0 ? 'major' : 'minor',
    because,
    depthCents,
    share: max !== null && max > 0 ? depthCents / max : null,
    targetCrossed,
  };
}

/** Major first, then the deeper fall first; ties keep their order (a stable sort). */
export function bySeverity<T>(rows: readonly T[], sev: (r: T) => FallSeverity): T[] {
  const rank = (s: FallSeverity) => (s.severity === 'major' ? 0 : 1);
  return rows
    .map((r, i) => ({ r, i, s: sev(r) }))
    .sort((a, b) => rank(a.s) - rank(b.s) || b.s.depthCents - a.s.depthCents || a.i - b.i)
    .map((x) => x.r);
}
