/**
 * The four stage queues (collect → ingest → detect → notify) under `config.queuePrefix`.
 * Every add carries a deterministic job id, so adding an existing id is a no-op: a second
 * scheduler, a replica or a restart finds the job instead of adding another. Completed and
 * failed jobs are kept long enough for that to hold across the whole schedule window; the
 * runs table is checked as well, so a day is never collected twice even after they expire.
 */
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { QUEUE_NAMES, type QueueName } from './payloads.js';

/** How long finished jobs (and so their ids) are kept. */
export const KEEP_JOBS_SECONDS = 60 * 24 * 3600;

export type Queues = Readonly<Record<QueueName, Queue>>;

export function jobOptions(config: Pick<Config, 'jobAttempts' | 'jobBackoffMs'>): JobsOptions {
  return {
    attempts: config.jobAttempts,
    backoff: { type: 'exponential', delay: config.jobBackoffMs },
    removeOnComplete: { age: KEEP_JOBS_SECONDS },
    removeOnFail: { age: KEEP_JOBS_SECONDS },
  };
}

export function createQueues(config: Config, connection: Redis, log: Logger): Queues {
  const out = {} as Record<QueueName, Queue>;
  for (const name of QUEUE_NAMES) {
    const q = new Queue(name, {
      connection,
      prefix: config.queuePrefix,
      defaultJobOptions: jobOptions(config),
    });
    q.on('error', (err) => log.warn({ err, queue: name }, 'queue error'));
    out[name] = q;
  }
  return out;
}

/** Add a job under its deterministic id; returns false when that id already existed. */
export async function addJob(
  queues: Queues,
  queue: QueueName,
  payload: object,
  jobId: string,
): Promise<boolean> {
  const q = queues[queue];
  const before = await q.getJobState(jobId);
  await q.add(queue, payload, { jobId });
  return before === 'unknown';
}

/**
 * Let a finished-but-failed job id be used again (a manual re-collect of a failed or blocked
 * day). Completed or running jobs are left alone. Returns whether a job was removed.
 */
export async function clearFailedJob(queues: Queues, queue: QueueName, jobId: string): Promise<boolean> {
  const q = queues[queue];
  const state = await q.getJobState(jobId);
  if (state !== 'failed') return false;
  await q.remove(jobId);
  return true;
}

/** Job states in which a job will still run (or is running). */
const LIVE_STATES: ReadonlySet<string> = new Set([
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
]);

export interface JobLook {
  /** BullMQ's state, `unknown` when there is no job under that id. */
  readonly state: string;
  /** true when the job is waiting, delayed or running. */
  readonly live: boolean;
  /** Why BullMQ failed it (`failed` only). */
  readonly failedReason: string | null;
}

/** The state of a job id, and its failure reason. */
export async function lookJob(queues: Queues, queue: QueueName, jobId: string): Promise<JobLook> {
  const job = await queues[queue].getJob(jobId);
  if (!job) return { state: 'unknown', live: false, failedReason: null };
  const state = await job.getState();
  return {
    state,
    live: LIVE_STATES.has(state),
    failedReason: state === 'failed' ? (job.failedReason ?? '') : null,
  };
}

/**
 * Add a job under its id again when no live job holds it: a finished (completed or failed) job
 * under that id is removed first, since adding an existing id is a no-op. Returns false when a
 * live job already holds the id (nothing done).
 */
export async function readdJob(
  queues: Queues,
  queue: QueueName,
  payload: object,
  jobId: string,
): Promise<boolean> {
  const q = queues[queue];
  const state = await q.getJobState(jobId);
  if (LIVE_STATES.has(state)) return false;
  if (state === 'completed' || state === 'failed') await q.remove(jobId);
  await q.add(queue, payload, { jobId });
  return true;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.allSettled(Object.values(queues).map((q) => q.close()));
}
