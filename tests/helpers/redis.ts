/**
 * Redis isolation for tests: a unique BullMQ prefix per test, and a cleanup that deletes
 * every key under it.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(label = 't'): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`;
}

/** Delete every key whose name starts with `prefix:`. */
export async function deletePrefix(prefix: string): Promise<void> {
  const r = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
