/**
 * Units below their target (`ALERT_TARGETS`, year period) in a province table: the marks the
 * web overview, the API and the mails show. A unit without a score is not "below" (null is
 * never 0); the province is measured with the general targets. Pure.
 */
import { type Config, type ScoreTarget, targetFor } from '../config.js';
import type { GroupCode, Period } from '../domain.js';
import type { ProvinceTable } from '../report/province-table.js';

export interface BelowTarget {
  readonly unitId: string;
  readonly kind: 'province' | 'agency' | 'commune';
  readonly group: GroupCode;
  readonly score: number;
  readonly target: number;
  /** target − score, points (> 0). */
  readonly gap: number;
}

export interface TargetMarks {
  /** The configured targets that apply to this period (none outside the year period). */
  readonly targets: readonly ScoreTarget[];
  readonly belowTarget: readonly BelowTarget[];
}

export function targetMarks(
  table: ProvinceTable,
  config: Pick<Config, 'alertTargets'>,
  period: Period | null,
): TargetMarks {
  if (period?.type !== 'year' || config.alertTargets.length === 0) return { targets: [], belowTarget: [] };
  const groups = [...new Set(config.alertTargets.map((t) => t.group))];
  const below: BelowTarget[] = [];
  const rows = [
    { kind: 'province' as const, rows: [table.province] },
    { kind: 'agency' as const, rows: table.agencies },
    { kind: 'commune' as const, rows: table.communes },
  ];
  for (const { kind, rows: list } of rows)
    for (const r of list)
      for (const g of groups) {
        const target = targetFor(config, g, kind);
        const score = r.groups[g].score;
        if (target === null || score === null) continue;
        const gapCents = Math.round(target * 100) - Math.round(score * 100);
        if (gapCents > 0) below.push({ unitId: r.id, kind, group: g, score, target, gap: gapCents / 100 });
      }
  return { targets: config.alertTargets, belowTarget: below };
}
