import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortalUnavailableError } from '../../src/errors.js';
import { createPortalLock, portalLockKey } from '../../src/store/portal-lock.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const prefix = uniquePrefix('lock');
let redis: Redis;
beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await deletePrefix(prefix);
  redis.disconnect();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('portal lock', () => {
  it('lets one holder at a time talk to a host, and releases in finally', async () => {
    const a = createPortalLock(redis, prefix, { ttlMs: 2000, pollMs: 10 });
    const b = createPortalLock(redis, prefix, { ttlMs: 2000, pollMs: 10 });
    let inside = 0;
    let maxInside = 0;
    const work = async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await sleep(40);
      inside--;
    };
    await Promise.all([a.withLock('h', work), b.withLock('h', work), a.withLock('h', work)]);
    expect(maxInside).toBe(1);
    await expect(a.withLock('h', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await redis.exists(portalLockKey(prefix, 'h'))).toBe(0);
  });

  it('keeps the lock alive while the holder works past the ttl', async () => {
    const lock = createPortalLock(redis, prefix, { ttlMs: 150, pollMs: 10, waitMs: 100 });
    await lock.withLock('slow', async () => {
      await sleep(400);
      await expect(lock.withLock('slow', async () => 'second')).rejects.toBeInstanceOf(
        PortalUnavailableError,
      );
    });
  });

  it('frees itself when its holder died (no refresh)', async () => {
    await redis.set(portalLockKey(prefix, 'dead'), 'someone-killed', 'PX', 200);
    const lock = createPortalLock(redis, prefix, { ttlMs: 1000, pollMs: 20, waitMs: 3000 });
    expect(await lock.withLock('dead', async () => 'got it')).toBe('got it');
  });
});
