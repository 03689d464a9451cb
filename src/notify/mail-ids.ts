/** Idempotency keys and Message-IDs of our mails: derived, never random, so a retry is the same mail. */
import type { IsoDate } from '../domain.js';

export function digestKey(provinceCode: string, reportDate: IsoDate): string {
  return `digest-${provinceCode}-${reportDate}`;
}

/** `<digest-H18-2026-11-26@example.gov.vn>` from the key and the sender's domain. */
export function messageIdFor(key: string, from: string): string {
  const domain = from.split('@')[1] ?? 'dvc-index.local';
  return `<${key}@${domain}>`;
}
