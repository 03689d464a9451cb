/**
 * Target marks in the office's appendices: with `ALERT_TARGETS` set and a year-period report,
 * one column per group with a target, "thiếu 1,20" for a unit below its target (a kind's own
 * target first), "đạt" at or above it, empty without a score (never 0). Passed to the XLSX
 * and DOCX writers as `extraColumns`.
 */
import { type Config, targetFor } from '../config.js';
import { fmtPoints } from '../detect/format-vi.js';
import type { GroupCode, Period } from '../domain.js';
import type { AppendixColumn } from './columns.js';

export function targetColumns(config: Pick<Config, 'alertTargets'>, period: Period | null): AppendixColumn[] {
  if (period?.type !== 'year') return [];
  const groups = [...new Set(config.alertTargets.map((t) => t.group))] as GroupCode[];
  return groups.map(
    (g): AppendixColumn => ({
      key: `target-${g}`,
      header: () => `So với chỉ tiêu ${g}`,
      kind: 'text',
      width: 16,
      value: (row, _i, ctx) => {
        const score = row.groups[g].score;
        const kind = ctx.report.agencies.some((r) => r.id === row.id) ? 'agency' : 'commune';
        const target = targetFor(config, g, kind);
        if (score === null || target === null) return null;
        const gap = Math.round(target * 100) - Math.round(score * 100);
        return gap > 0
          ? `thiếu ${fmtPoints(gap / 100)} (${fmtPoints(target)})`
          : `đạt (${fmtPoints(target)})`;
      },
    }),
  );
}
