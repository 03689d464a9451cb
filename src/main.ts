/**
 * Wiring of the long-running process: deps → (migrate) → workers → scheduler → HTTP, and
 * the shutdown that undoes it all in reverse, every closer running even when another
 * throws, bounded by `shutdownTimeoutMs`.
 */
import type { Worker } from 'bullmq';
import { JOB_HANDLERS } from '../jobs/handlers.js';
import type { Config } from './config.js';
import { type CreateDepsOptions, closeDeps, createDeps, type ProcessDeps } from './deps.js';
import { toError } from './errors.js';
import { type RunningHttpServer, startHttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import { checkNoEviction } from './queue/connection.js';
import { closeWorkers, startWorkers, type WorkerOptions } from './queue/worker.js';
import { type Scheduler, startScheduler } from './schedule/scheduler.js';
import { migrate } from './store/migrate.js';

export interface PipelineOptions extends CreateDepsOptions {
  /** Run the cron table and catch-up (default true). */
  readonly scheduler?: boolean;
  /** Start the HTTP server when src/http provides one (default true). */
  readonly http?: boolean;
  readonly workers?: WorkerOptions;
  /** Apply pending migrations first when config.migrateOnStart (default true; `collect` says false). */
  readonly migrate?: boolean;
}

export interface Pipeline {
  readonly deps: ProcessDeps;
  readonly workers: readonly Worker[];
  /** Stop everything; resolves when all is closed (or the timeout passed). Idempotent. */
  stop(): Promise<void>;
}

export async function startPipeline(
  config: Config,
  log: Logger,
  opts: PipelineOptions = {},
): Promise<Pipeline> {
  const deps = createDeps(config, log, opts);
  let workers: Worker[] = [];
  let scheduler: Scheduler | null = null;
  let http: RunningHttpServer | null = null;
  let stopping: Promise<void> | null = null;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const graceMs = Math.max(500, config.shutdownTimeoutMs - 3000);
      const steps: Array<[string, () => Promise<unknown>]> = [
        ['scheduler', async () => scheduler?.stop()],
        ['http', async () => http?.close()],
        ['workers', () => closeWorkers(workers, graceMs)],
        ['deps', () => closeDeps(deps)],
      ];
      for (const [what, step] of steps) {
        try {
          await step();
        } catch (e) {
          log.warn({ err: toError(e), what }, 'shutdown step failed');
        }
      }
      log.info('stopped');
    })();
    return stopping;
  };

  try {
    await checkNoEviction(deps.redis, config.redisRequireNoeviction, log);
    if (config.migrateOnStart && opts.migrate !== false) await migrate(deps.pool, log);
    workers = startWorkers(deps, JOB_HANDLERS, () => deps.newWorkerConnection(), opts.workers);
    if (opts.scheduler !== false) scheduler = await startScheduler(deps);
    if (opts.http !== false) http = await startHttpServer(deps);
  } catch (e) {
    await stop();
    throw e;
  }
  log.info(
    {
      provinces: config.provinces,
      cron: config.cronSchedule,
      timeZone: config.timeZone,
      queuePrefix: config.queuePrefix,
    },
    'started',
  );
  return { deps, workers, stop };
}

/**
 * Run until SIGTERM/SIGINT, then stop within `shutdownTimeoutMs` (a hard exit afterwards,
 * so a stuck closer can never keep the container from stopping).
 */
export async function runUntilSignal(pipeline: Pipeline, config: Config, log: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'shutting down');
      const hard = setTimeout(() => {
        log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs);
      hard.unref();
      pipeline.stop().finally(() => {
        clearTimeout(hard);
        resolve();
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
