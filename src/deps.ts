/**
 * What a job or a face needs from the outside world, built once by the process
 * ({@link createDeps}) and smaller in tests.
 */
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { createRedis } from './queue/connection.js';
import type { QueueName } from './queue/payloads.js';
import { addJob, closeQueues, createQueues, type Queues } from './queue/queues.js';
import { createPortalClient } from './source/portal-client.js';
import type { PortalClient } from './source/portal-types.js';
import { createPool, type Pool } from './store/db.js';
import { createPortalLock, type PortalLock, type PortalLockOptions } from './store/portal-lock.js';

export interface Deps {
  readonly config: Config;
  readonly log: Logger;
  readonly pool: Pool;
  readonly portal: PortalClient;
  /** Add a job to a stage's queue under a deterministic id (a no-op when that id exists). */
  enqueue(queue: QueueName, payload: object, jobId: string): Promise<void>;
  /** The clock; injected so tests and the demo can step through days. */
  now(): Date;
  /**
   * One collect at a time per portal host across processes. Absent in small test deps
   * (one process, no contention); always present in {@link createDeps}.
   */
  readonly portalLock?: PortalLock;
}

/** The process-wide deps: {@link Deps} plus the connections that back them. */
export interface ProcessDeps extends Deps {
  readonly redis: Redis;
  readonly queues: Queues;
  readonly portalLock: PortalLock;
  /** A new Redis connection for a BullMQ worker (blocking commands need their own); closed by closeDeps. */
  newWorkerConnection(): Redis;
}

export interface CreateDepsOptions {
  readonly now?: () => Date;
  /** A ready client (tests, the demo); otherwise one is made from config (Chromium starts lazily). */
  readonly portal?: PortalClient;
  readonly poolMax?: number;
  readonly portalLock?: PortalLockOptions;
}

const closers = new WeakMap<ProcessDeps, () => Promise<void>>();

/** Build the pool, Redis, queues, portal client and portal lock of one process. */
export function createDeps(config: Config, log: Logger, opts: CreateDepsOptions = {}): ProcessDeps {
  const pool = createPool(config.databaseUrl, log, opts.poolMax ?? 8);
  const redis = createRedis(config.redisUrl, log, { name: 'dvc-index-queues' });
  const queues = createQueues(config, redis, log);
  const portal = opts.portal ?? createPortalClient(config, log);
  const portalLock = createPortalLock(redis, config.queuePrefix, opts.portalLock);
  const workerConnections: Redis[] = [];
  const deps: ProcessDeps = {
    config,
    log,
    pool,
    portal,
    redis,
    queues,
    portalLock,
    now: opts.now ?? (() => new Date()),
    async enqueue(queue, payload, jobId) {
      const added = await addJob(queues, queue, payload, jobId);
      log.debug({ queue, jobId, added }, added ? 'job enqueued' : 'job already known');
    },
    newWorkerConnection() {
      const c = createRedis(config.redisUrl, log, { forWorker: true, name: 'dvc-index-worker' });
      workerConnections.push(c);
      return c;
    },
  };
  closers.set(deps, async () => {
    // Every closer runs even when another throws; the first error is logged, not rethrown.
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['portal', () => portal.close()],
      ['queues', () => closeQueues(queues)],
      ['worker connections', () => Promise.allSettled(workerConnections.map((c) => c.quit()))],
      ['redis', () => redis.quit()],
      ['pool', () => pool.end()],
    ];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        log.warn({ err, what }, 'closing failed');
      }
    }
  });
  return deps;
}

/** Close everything {@link createDeps} opened; safe to call twice. */
export async function closeDeps(deps: ProcessDeps): Promise<void> {
  const close = closers.get(deps);
  closers.delete(deps);
  await close?.();
}
