/**
 * Queue names, job payloads and deterministic job ids. A job id names the province and the
 * report date, so a second scheduler, a restart or a manual trigger finds the existing job
 * instead of adding a second one. BullMQ forbids ':' in custom ids, hence the dashes.
 */
import type { IsoDate, PeriodType } from '../domain.js';

export const QUEUE_NAMES = ['collect', 'ingest', 'detect', 'notify'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export type RunTrigger = 'schedule' | 'catchup' | 'manual' | 'demo';

export interface CollectPayload {
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  readonly periods: readonly PeriodType[];
  readonly trigger: RunTrigger;
}
export interface IngestPayload {
  readonly runId: string;
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
}
export type DetectPayload = IngestPayload;
/** notify sends what the outbox holds for a run (or, without runId, everything pending). */
export interface NotifyPayload {
  readonly runId?: string;
  readonly reason?: string;
}

export function jobIdFor(queue: QueueName, provinceCode: string, reportDate: IsoDate): string {
  return `${queue}-${provinceCode}-${reportDate}`;
}
