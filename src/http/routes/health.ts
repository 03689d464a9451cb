/**
 * `/healthz`: the process answers. `/readyz`: Postgres and Redis answer (503 otherwise), with
 * the circuit state and the last finished run and its age, so an operator sees at a glance
 * whether collection is stuck or blocked.
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { readCircuits, readLastFinishedRun } from '../../query/status.js';
import type { Pool } from '../../store/db.js';

const CHECK_TIMEOUT_MS = 2000;

async function timed<T>(
  fn: () => Promise<T>,
): Promise<{ ok: boolean; ms: number; value?: T; error?: string }> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { ok: true, ms: Math.round(performance.now() - t0), value };
  } catch (e) {
    return { ok: false, ms: Math.round(performance.now() - t0), error: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { pool: Pool; redis?: Redis; now?: () => Date },
): void {
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (_req, reply) => {
    const now = deps.now ?? (() => new Date());
    const pg = await timed(() => deps.pool.query('select 1'));
    const redis = deps.redis ? await timed(() => deps.redis!.ping()) : null;
    let circuit: { state: 'open' | 'closed'; hosts: unknown[] } | null = null;
    let lastRun: Record<string, unknown> | null = null;
    if (pg.ok) {
      const hosts = await readCircuits(deps.pool);
      circuit = { state: hosts.some((h) => h.state === 'open') ? 'open' : 'closed', hosts };
      const run = await readLastFinishedRun(deps.pool);
      lastRun = run
        ? {
            ...run,
            ageSeconds: Math.max(0, Math.round((now().getTime() - Date.parse(run.finishedAt)) / 1000)),
          }
        : null;
    }
    const ok = pg.ok && (redis === null || redis.ok);
    reply.code(ok ? 200 : 503);
    return {
      ok,
      checks: {
        postgres: { ok: pg.ok, ms: pg.ms, ...(pg.error ? { error: pg.error } : {}) },
        redis: redis
          ? { ok: redis.ok, ms: redis.ms, ...(redis.error ? { error: redis.error } : {}) }
          : { ok: null, skipped: true },
      },
      circuit,
      lastRun,
    };
  });
}
