/**
 * The schedule table as data: what node-cron fires, and which queue its tick feeds. Ticks
 * only enqueue; the job id (province + report date) keeps every replica's tick single.
 */
import type { Config } from '../src/config.js';
import type { QueueName } from '../src/queue/payloads.js';

export interface ScheduleEntry {
  readonly name: string;
  readonly cron: string;
  readonly timeZone: string;
  readonly queue: QueueName;
}

export function scheduleTable(config: Pick<Config, 'cronSchedule' | 'timeZone'>): readonly ScheduleEntry[] {
  return [{ name: 'daily-collect', cron: config.cronSchedule, timeZone: config.timeZone, queue: 'collect' }];
}
