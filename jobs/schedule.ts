/**
 * The schedule table as data: what node-cron fires, and which queue its tick feeds. Ticks
 * only enqueue; the job id (province + report date) keeps every replica's tick single.
 */
import type { Config } from '../src/config.js';
import type { QueueName } from '../src/queue/payloads.js';

export interface ScheduleEntry {
  readonly name: 'daily-collect' | 'no-data-check' | 'weekly-digest';
  readonly cron: string;
  readonly timeZone: string;
  /** The queue the tick feeds (the no-data check writes an operator mail and feeds notify). */
  readonly queue: QueueName;
}

export function scheduleTable(
  config: Pick<Config, 'cronSchedule' | 'timeZone' | 'alertNoDataBy' | 'weeklyDigest'>,
): readonly ScheduleEntry[] {
  const table: ScheduleEntry[] = [
    { name: 'daily-collect', cron: config.cronSchedule, timeZone: config.timeZone, queue: 'collect' },
  ];
  if (config.alertNoDataBy !== '') {
    const [hh, mm] = config.alertNoDataBy.split(':').map(Number);
    table.push({
      name: 'no-data-check',
      cron: `${mm} ${hh} * * *`,
      timeZone: config.timeZone,
      queue: 'notify',
    });
  }
  // The weekly follow-up mail writes its mail and feeds notify, like the no-data check.
  if (config.weeklyDigest !== '')
    table.push({
      name: 'weekly-digest',
      cron: config.weeklyDigest,
      timeZone: config.timeZone,
      queue: 'notify',
    });
  return table;
}
