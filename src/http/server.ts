/**
 * The HTTP face: read-only JSON API, CSV exports, health/readiness, Prometheus metrics and
 * the web page, all from one fastify instance. `dvc-index start` runs it beside the workers,
 * `dvc-index serve` alone. It binds HTTP_HOST (127.0.0.1 by default); exposing it beyond
 * the machine needs HTTP_TOKEN.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { type Logger, withLogContext } from '../logger.js';
import type { Pool } from '../store/db.js';
import { registerTokenCheck } from './auth.js';
import { registerErrorHandler } from './error-handler.js';
import { registerApiRoutes } from './routes/api.js';
import { registerHealthRoutes } from './routes/health.js';
import { createMetricsRegistry, registerMetricsRoute } from './routes/metrics.js';
import { registerPageRoutes } from './routes/pages.js';

export interface HttpDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly pool: Pool;
  /** For /readyz and the queue depths in /metrics; without it both skip Redis. */
  readonly redis?: Redis;
  /** BullMQ key prefix (default config.queuePrefix). */
  readonly queuePrefix?: string;
  readonly now?: () => Date;
}

/** Build the server without listening (tests use `inject` or listen on port 0 themselves). */
export function buildHttpServer(deps: HttpDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({
    // pino's Logger and fastify's logger type differ only in generics.
    loggerInstance: withLogContext(deps.log, { component: 'http' }) as unknown as FastifyBaseLogger,
    // One line per request would drown the worker's logs; errors are logged by the handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Query strings like ?group=TTTT,MDSH stay strings; repeated keys become arrays we reject.
    routerOptions: { ignoreTrailingSlash: true },
  });
  registerErrorHandler(app, deps.log);
  registerTokenCheck(app, deps.config.httpToken);
  registerHealthRoutes(app, { pool: deps.pool, redis: deps.redis, now: deps.now });
  registerMetricsRoute(
    app,
    createMetricsRegistry({
      pool: deps.pool,
      redis: deps.redis,
      queuePrefix: deps.queuePrefix ?? deps.config.queuePrefix,
    }),
  );
  registerApiRoutes(app, { config: deps.config, pool: deps.pool });
  registerPageRoutes(app);
  return app;
}

export interface RunningHttpServer {
  readonly app: FastifyInstance;
  /** e.g. http://127.0.0.1:8080 (the real port when HTTP_PORT is 0). */
  readonly url: string;
  close(): Promise<void>;
}

/** Build and listen on config.httpHost:config.httpPort. */
export async function startHttpServer(deps: HttpDeps): Promise<RunningHttpServer> {
  const app = buildHttpServer(deps);
  await app.listen({ host: deps.config.httpHost, port: deps.config.httpPort });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : deps.config.httpPort;
  const host = deps.config.httpHost.includes(':') ? `[${deps.config.httpHost}]` : deps.config.httpHost;
  const url = `http://${host}:${port}`;
  deps.log.info({ url, token: deps.config.httpToken !== '' }, 'http server listening');
  return { app, url, close: () => app.close() };
}
