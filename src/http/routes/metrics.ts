/**
 * `/metrics` in Prometheus text. Every value is read at scrape time from Postgres and Redis
 * (runs by status, requests made to the portal, last success, open alerts, queue depths), so
 * any replica reports the same numbers and nothing is lost on restart.
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Counter, Gauge, Registry } from 'prom-client';
import { hasAlertTables } from '../../query/alerts.js';
import { readCircuits, readRunTotals } from '../../query/status.js';
import { QUEUE_NAMES } from '../../queue/payloads.js';
import type { Pool } from '../../store/db.js';
import { countReconcileActions, RECONCILE_ACTION_KINDS } from '../../store/reconcile-actions.js';

/** BullMQ's key layout: `${prefix}:${queue}:${state}`, lists for some states, sorted sets for others. */
const LIST_STATES = ['wait', 'active', 'paused'] as const;
const ZSET_STATES = ['delayed', 'prioritized', 'waiting-children', 'failed', 'completed'] as const;

export async function readQueueDepths(
  redis: Redis,
  prefix: string,
): Promise<{ queue: string; state: string; count: number }[]> {
  const pipe = redis.pipeline();
  const keys: { queue: string; state: string }[] = [];
  for (const queue of QUEUE_NAMES) {
    for (const state of LIST_STATES) {
      pipe.llen(`${prefix}:${queue}:${state}`);
      keys.push({ queue, state });
    }
    for (const state of ZSET_STATES) {
      pipe.zcard(`${prefix}:${queue}:${state}`);
      keys.push({ queue, state });
    }
  }
  const res = (await pipe.exec()) ?? [];
  return keys.map((k, i) => ({ ...k, count: Number(res[i]?.[1] ?? 0) }));
}

export function createMetricsRegistry(deps: { pool: Pool; redis?: Redis; queuePrefix: string }): Registry {
  const register = new Registry();
  const { pool } = deps;
  let totals: Promise<Awaited<ReturnType<typeof readRunTotals>>> | null = null;
  // One scrape reads the totals once, however many gauges use them.
  const runTotals = () => {
    totals ??= readRunTotals(pool).finally(() => {
      setImmediate(() => {
        totals = null;
      });
    });
    return totals;
  };

  new Gauge({
    name: 'dvc_runs',
    help: 'Runs in the history by status (one run per province and report date).',
    labelNames: ['status'],
    registers: [register],
    async collect() {
      const t = await runTotals();
      this.reset();
      for (const [status, n] of Object.entries(t.byStatus)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'dvc_portal_requests',
    help: 'Requests made to the portal by all runs (sum of runs.request_count).',
    registers: [register],
    async collect() {
      this.set((await runTotals()).portalRequests);
    },
  });
  new Gauge({
    name: 'dvc_captures',
    help: 'Portal answers stored as captures.',
    registers: [register],
    async collect() {
      this.set((await runTotals()).capturedRequests);
    },
  });
  new Gauge({
    name: 'dvc_last_success_timestamp_seconds',
    help: 'When the latest successful run finished (Unix seconds); absent before the first.',
    registers: [register],
    async collect() {
      const t = (await runTotals()).lastSuccessSeconds;
      this.reset();
      if (t !== null) this.set(t);
    },
  });
  new Gauge({
    name: 'dvc_alerts_open',
    help: 'Open alert episodes (falls not yet recovered).',
    labelNames: ['group'],
    registers: [register],
    async collect() {
      this.reset();
      if (!(await hasAlertTables(pool))) return;
      const res = await pool.query<{ grp: string; n: string }>(
        `select grp, count(*) as n from alerts where status = 'open' group by grp`,
      );
      for (const r of res.rows) this.set({ group: r.grp }, Number(r.n));
    },
  });
  new Gauge({
    name: 'dvc_circuit_open',
    help: '1 when the circuit breaker of a portal host is open (collection stopped), else 0.',
    labelNames: ['host'],
    registers: [register],
    async collect() {
      this.reset();
      for (const c of await readCircuits(pool)) this.set({ host: c.host }, c.state === 'open' ? 1 : 0);
    },
  });
  new Counter({
    name: 'dvc_reconcile_actions_total',
    help: 'Healing actions of the periodic reconcile by action (enqueue, resume-*, retry, fail-stalled, fail-job, gap), from reconcile_actions.',
    labelNames: ['action'],
    registers: [register],
    async collect() {
      const totals = await countReconcileActions(pool);
      this.reset();
      for (const action of RECONCILE_ACTION_KINDS) this.inc({ action }, totals[action] ?? 0);
    },
  });
  if (deps.redis) {
    const redis = deps.redis;
    new Gauge({
      name: 'dvc_queue_jobs',
      help: 'Jobs in each BullMQ queue by state.',
      labelNames: ['queue', 'state'],
      registers: [register],
      async collect() {
        this.reset();
        for (const d of await readQueueDepths(redis, deps.queuePrefix))
          this.set({ queue: d.queue, state: d.state }, d.count);
      },
    });
  }
  return register;
}

export function registerMetricsRoute(app: FastifyInstance, register: Registry): void {
  app.get('/metrics', async (_req, reply) => {
    const body = await register.metrics();
    return reply.header('content-type', register.contentType).send(body);
  });
}
