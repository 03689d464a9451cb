/**
 * At most one collect talks to a portal host at a time, across every process sharing the
 * Redis. A plain SET NX PX lock with a random token: it expires on its own when its holder
 * dies (kill -9), is refreshed while the holder works, and is released only by its holder.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { PortalUnavailableError } from '../errors.js';

const RELEASE_LUA = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const REFRESH_LUA = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface PortalLockOptions {
  /** Lifetime of the lock without a refresh; a dead holder's lock frees itself after this. */
  readonly ttlMs?: number;
  /** How long to wait for another holder before giving up (a transient error: retried). */
  readonly waitMs?: number;
  /** Pause between two tries while waiting. */
  readonly pollMs?: number;
}

export interface PortalLock {
  /** Run `fn` while holding the lock of `host`; released in `finally`. */
  withLock<T>(host: string, fn: () => Promise<T>): Promise<T>;
}

export function portalLockKey(prefix: string, host: string): string {
  return `${prefix}:portal-lock:${host}`;
}

export function createPortalLock(redis: Redis, prefix: string, opts: PortalLockOptions = {}): PortalLock {
  const ttlMs = opts.ttlMs ?? 60_000;
  const waitMs = opts.waitMs ?? 15 * 60_000;
  const pollMs = opts.pollMs ?? 250;
  return {
    async withLock<T>(host: string, fn: () => Promise<T>): Promise<T> {
      const key = portalLockKey(prefix, host);
      const token = randomUUID();
      const deadline = Date.now() + waitMs;
      for (;;) {
        const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
        if (ok === 'OK') break;
        if (Date.now() >= deadline) {
          throw new PortalUnavailableError(
            `another collect held the portal lock of ${host} for more than ${waitMs} ms; retrying later`,
            { url: host },
          );
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
      const timer = setInterval(
        () => {
          redis.eval(REFRESH_LUA, 1, key, token, String(ttlMs)).catch(() => undefined);
        },
        Math.max(50, Math.floor(ttlMs / 3)),
      );
      try {
        return await fn();
      } finally {
        clearInterval(timer);
        await redis.eval(RELEASE_LUA, 1, key, token).catch(() => undefined);
      }
    },
  };
}
