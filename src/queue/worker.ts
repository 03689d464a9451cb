/**
 * BullMQ workers for the four stages and the one place where our errors become BullMQ
 * behaviour: a blocked portal, an open circuit, a changed format or bad input are
 * UnrecoverableError (no retry); anything else is retried with the queue's backoff. The
 * run's status is recorded here too, so every stage's failure ends up on the runs table.
 */
import { type Job, type Processor, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Deps } from '../deps.js';
import {
  CircuitOpenError,
  ConfigError,
  InputError,
  PortalBlockedError,
  PortalFormatError,
  SetupError,
  toError,
} from '../errors.js';
import { withLogContext } from '../logger.js';
import { RequestBudgetError } from '../source/politeness.js';
import { advanceRun, getRunByDay, recordRunError } from '../store/runs.js';
import { QUEUE_NAMES, type QueueName } from './payloads.js';

// biome-ignore lint/suspicious/noExplicitAny: each stage has its own payload type.
export type JobHandler = (payload: any, deps: Deps) => Promise<unknown>;
export type JobHandlers = Readonly<Record<QueueName, JobHandler>>;

export interface WorkerOptions {
  /** Which stages this process works on (default: all four). */
  readonly queues?: readonly QueueName[];
  /** How long a job's lock lives without renewal; a killed worker's job is retried after it. */
  readonly lockDurationMs?: number;
  /** How often stalled jobs (of dead workers) are looked for. */
  readonly stalledIntervalMs?: number;
}

/** Errors that retrying cannot fix, and the run status they leave. */
export function finalStatusOf(err: Error): 'blocked' | 'failed' | null {
  if (err instanceof PortalBlockedError || err instanceof CircuitOpenError) return 'blocked';
  // An exhausted request budget would only be spent again on a retry: stop and let a human look.
  // A missing browser, a bad setting or a malformed request of ours: a retry cannot fix them.
  if (
    err instanceof PortalFormatError ||
    err instanceof InputError ||
    err instanceof RequestBudgetError ||
    err instanceof SetupError ||
    err instanceof ConfigError
  )
    return 'failed';
  return null;
}

/**
 * Names of the errors a retry cannot fix (the classes {@link finalStatusOf} ends a run on),
 * as the runs table stores them, plus a job BullMQ failed for stalling too often (a job that
 * kills its worker each time). The reconcile never tries such a run again: a person looks.
 */
export const FINAL_ERROR_NAMES: ReadonlySet<string> = new Set([
  'PortalBlockedError',
  'CircuitOpenError',
  'PortalFormatError',
  'InputError',
  'RequestBudgetError',
  'SetupError',
  'ConfigError',
  'JobStalledError',
]);

/** BullMQ's reason for a job failed by its stall limit (no code of ours ran to fail it). */
export const STALLED_REASON = /stalled more than allowable limit/i;

interface StagePayload {
  runId?: string;
  provinceCode?: string;
  reportDate?: string;
}

async function runIdOf(deps: Deps, payload: StagePayload): Promise<string | null> {
  if (payload.runId) return payload.runId;
  if (payload.provinceCode && payload.reportDate) {
    return (await getRunByDay(deps.pool, payload.provinceCode, payload.reportDate))?.id ?? null;
  }
  return null;
}

/** The processor of one stage: child logger, handler, run bookkeeping, error mapping. */
export function createProcessor(queue: QueueName, handler: JobHandler, deps: Deps): Processor {
  return async (job: Job) => {
    const payload = job.data as StagePayload;
    let runId = await runIdOf(deps, payload).catch(() => null);
    const log = withLogContext(deps.log, { job: queue, jobId: job.id, runId });
    const jobDeps: Deps = { ...deps, log };
    log.info({ attempt: job.attemptsMade + 1 }, 'job started');
    try {
      const result = await handler(job.data, jobDeps);
      runId ??= await runIdOf(deps, payload).catch(() => null);
      // detect and notify bodies belong to the alerts work; the run's bookkeeping stays here.
      if (runId && queue === 'detect') await advanceRun(deps.pool, runId, 'detected');
      if (runId && queue === 'notify') await advanceRun(deps.pool, runId, 'done');
      log.info('job finished');
      return result ?? null;
    } catch (e) {
      const err = toError(e);
      const final = finalStatusOf(err);
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      runId ??= await runIdOf(deps, payload).catch(() => null);
      if (runId && queue === 'notify') {
        // The run's data is stored and detected; an unsent mail stays in the outbox and is
        // sent by the next notify. Note the error on the run, but never call the day failed.
        const id = runId;
        await (lastAttempt
          ? advanceRun(deps.pool, id, 'done', { summary: { mailPending: `${err.name}: ${err.message}` } })
          : recordRunError(
              deps.pool,
              id,
              { errorClass: err.name, message: `mail not sent yet: ${err.message}` },
              null,
            )
        ).catch((re) => log.warn({ err: re }, 'could not record the run error'));
      } else if (runId) {
        await recordRunError(
          deps.pool,
          runId,
          { errorClass: err.name, message: err.message },
          final ?? (lastAttempt ? 'failed' : null),
        ).catch((re) => log.warn({ err: re }, 'could not record the run error'));
      }
      if (final) {
        log.error({ err, status: final }, 'job failed, not retried');
        const u = new UnrecoverableError(`${err.name}: ${err.message}`);
        (u as { cause?: unknown }).cause = err;
        throw u;
      }
      log[lastAttempt ? 'error' : 'warn']({ err, lastAttempt }, 'job failed');
      throw err;
    }
  };
}

/** Start one Worker per stage on its own connection (blocking commands need one each). */
export function startWorkers(
  deps: Deps,
  handlers: JobHandlers,
  connectionFactory: () => Redis,
  opts: WorkerOptions = {},
): Worker[] {
  const names = opts.queues ?? QUEUE_NAMES;
  return names.map((name) => {
    const w = new Worker(name, createProcessor(name, handlers[name], deps), {
      connection: connectionFactory(),
      prefix: deps.config.queuePrefix,
      concurrency: 1,
      lockDuration: opts.lockDurationMs ?? 60_000,
      stalledInterval: opts.stalledIntervalMs ?? 30_000,
      // A killed process leaves its job stalled; allow a few restarts before giving up on it.
      maxStalledCount: 3,
    });
    w.on('error', (err) => deps.log.warn({ err, queue: name }, 'worker error'));
    return w;
  });
}

/**
 * Close workers: wait for their active job up to `graceMs`, then force. A forced job's lock
 * expires and another worker (or this one after a restart) takes it again; every stage is
 * idempotent, so handing it back this way loses nothing.
 */
export async function closeWorkers(workers: readonly Worker[], graceMs: number): Promise<void> {
  await Promise.allSettled(
    workers.map(async (w) => {
      let timer: NodeJS.Timeout | undefined;
      const graceful = w.close().then(() => true);
      const timeout = new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), graceMs);
      });
      const ok = await Promise.race([graceful, timeout]);
      clearTimeout(timer);
      if (!ok) await w.close(true);
      await w.disconnect().catch(() => undefined);
    }),
  );
}
