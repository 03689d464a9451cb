/**
 * ioredis connections for BullMQ. Workers need `maxRetriesPerRequest: null` (BullMQ throws
 * otherwise and the process then never exits); queues and locks fail fast instead.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

export function createRedis(
  redisUrl: string,
  log: Logger,
  opts: { forWorker?: boolean; name?: string } = {},
): Redis {
  const redis = new Redis(redisUrl, {
    maxRetriesPerRequest: opts.forWorker ? null : 3,
    enableReadyCheck: true,
    connectionName: opts.name ?? 'dvc-index',
  });
  redis.on('error', (err) => log.warn({ err, redis: opts.name }, 'redis connection error'));
  return redis;
}

/**
 * Redis must not evict queue keys (a lost job id could let a day run twice). Returns the
 * policy; throws when `require` and the policy is anything but noeviction.
 */
export async function checkNoEviction(redis: Redis, require: boolean, log: Logger): Promise<string> {
  let policy = 'unknown';
  try {
    const res = (await redis.config('GET', 'maxmemory-policy')) as string[];
    policy = res[1] ?? 'unknown';
  } catch (err) {
    // Managed Redis often forbids CONFIG; say so and carry on.
    log.warn({ err }, 'cannot read maxmemory-policy; make sure Redis uses noeviction');
    return policy;
  }
  if (policy !== 'noeviction') {
    const msg = `Redis maxmemory-policy is ${policy}; set it to noeviction (or REDIS_REQUIRE_NOEVICTION=false to accept the risk)`;
    if (require) throw new Error(msg);
    log.warn({ policy }, msg);
  }
  return policy;
}
