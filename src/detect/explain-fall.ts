/**
 * "Why it fell": the sub-metrics behind a group score that moved between the compared day
 * and the report date, with a short Vietnamese sentence for the mail. Pure.
 */
import { toCents } from '../domain.js';
import { fmtCount, fmtPercent, fmtPoints } from './format-vi.js';

/** A stored sub-metric (metrics table), numbers already parsed. */
export interface MetricValue {
  readonly code: string;
  readonly name: string | null;
  readonly numerator: number | null;
  readonly denominator: number | null;
  readonly ratio: number | null;
  readonly score: number | null;
  readonly maxScore: number | null;
}

export interface FallReason {
  readonly code: string;
  readonly name: string;
  readonly before: Pick<MetricValue, 'numerator' | 'denominator' | 'ratio' | 'score'>;
  readonly after: Pick<MetricValue, 'numerator' | 'denominator' | 'ratio' | 'score'>;
  /** e.g. "tỷ lệ thanh toán trực tuyến 42,0% → 35,5%: 1.204/3.390 hồ sơ có phí được thanh toán trực tuyến" */
  readonly text: string;
}

/** Labels and counted nouns for the derived codes whose portal name is missing or long. */
const KNOWN: Readonly<Record<string, { label: string; noun: string }>> = {
  ONLINE_PAYMENT_DOSSIERS: {
    label: 'tỷ lệ thanh toán trực tuyến',
    noun: 'hồ sơ có phí được thanh toán trực tuyến',
  },
};

const MAX_REASONS = 3;

function moved(a: MetricValue, b: MetricValue): boolean {
  return (
    toCents(a.ratio) !== toCents(b.ratio) ||
    toCents(a.score) !== toCents(b.score) ||
    a.numerator !== b.numerator ||
    a.denominator !== b.denominator
  );
}

function describe(code: string, name: string, before: MetricValue, after: MetricValue): string {
  const known = KNOWN[code];
  const label = known?.label ?? name;
  const parts: string[] = [];
  if (before.ratio !== null || after.ratio !== null)
    parts.push(`${label} ${fmtPercent(before.ratio)} → ${fmtPercent(after.ratio)}`);
  else parts.push(`${label}: điểm ${fmtPoints(before.score)} → ${fmtPoints(after.score)}`);
  if (after.numerator !== null && after.denominator !== null)
    parts[0] += `: ${fmtCount(after.numerator)}/${fmtCount(after.denominator)}${known ? ` ${known.noun}` : ''}`;
  return parts.join('');
}

/**
 * The sub-metrics that moved, worst first (largest score decrease, then largest ratio
 * decrease), at most three. Metrics present on only one of the two days are skipped:
 * nothing is compared with a missing value.
 */
export function explainFall(before: readonly MetricValue[], after: readonly MetricValue[]): FallReason[] {
  const prev = new Map(before.map((m) => [m.code, m]));
  const out: Array<FallReason & { key: [number, number] }> = [];
  for (const cur of after) {
    const old = prev.get(cur.code);
    if (!old || !moved(old, cur)) continue;
    const name = cur.name ?? old.name ?? cur.code;
    const scoreDelta = (toCents(cur.score) ?? 0) - (toCents(old.score) ?? 0);
    const ratioDelta = (toCents(cur.ratio) ?? 0) - (toCents(old.ratio) ?? 0);
    const pick = (m: MetricValue) => ({
      numerator: m.numerator,
      denominator: m.denominator,
      ratio: m.ratio,
      score: m.score,
    });
    out.push({
      code: cur.code,
      name,
      before: pick(old),
      after: pick(cur),
      text: describe(cur.code, name, old, cur),
      key: [scoreDelta, ratioDelta],
    });
  }
  out.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.code.localeCompare(b.code));
  return out.slice(0, MAX_REASONS).map(({ key: _key, ...r }) => r);
}
