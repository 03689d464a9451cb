/**
 * Vietnamese number and date formatting for mails and reasons: "." groups thousands, ","
 * marks decimals (1.204; 42,0%; 6,50 điểm), dates are dd/mm/yyyy. `null` prints as "–",
 * never as 0.
 */
import type { IsoDate } from '../domain.js';

const DASH = '–';

function fixed(n: number, decimals: number): string {
  const [int = '0', frac] = Math.abs(n).toFixed(decimals).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${n < 0 ? '−' : ''}${grouped}${frac ? `,${frac}` : ''}`;
}

/** 6.5 → "6,50"; null → "–". */
export function fmtPoints(v: number | null): string {
  return v === null ? DASH : fixed(v, 2);
}

/** Signed change in points: -0.7 → "−0,70", 0.25 → "+0,25". */
export function fmtDelta(v: number): string {
  return v > 0 ? `+${fixed(v, 2)}` : fixed(v, 2);
}

/** 42 → "42,0%"; null → "–". */
export function fmtPercent(v: number | null): string {
  return v === null ? DASH : `${fixed(v, 1)}%`;
}

/** 1204 → "1.204"; null → "–". */
export function fmtCount(v: number | null): string {
  return v === null ? DASH : fixed(v, Number.isInteger(v) ? 0 : 2);
}

/** 2026-11-26 → "26/11/2026". */
export function fmtDate(d: IsoDate): string {
  return `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;
}
