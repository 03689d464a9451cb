/**
 * The HTTP face: read-only JSON API, CSV exports, health/readiness, Prometheus metrics and
 * the web page, all from one fastify instance. `dvc-index start` runs it beside the workers,
 * `dvc-index serve` alone. It binds HTTP_HOST (127.0.0.1 by default); exposing it beyond
 * the machine needs HTTP_TOKEN.
 *
 * Every input is checked before a handler sees it: query and path parameters free of control
 * characters and of bounded length (400 naming the parameter), a wrong method on a known
 * path is a 405 with `Allow`, and every answer carries a Content-Security-Policy that lets
 * the page load only its own files and never be framed.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifySchemaValidationError,
  LogController,
  type RouteOptions,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { InputError } from '../errors.js';
import { type Logger, withLogContext } from '../logger.js';
import { checkText } from '../query/inputs.js';
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

/** One registered route: what the hostile suite and the 405 answers are generated from. */
export interface RouteInfo {
  readonly method: string;
  readonly url: string;
  /** Query parameters the route declares (its querystring schema). */
  readonly query: readonly string[];
  /** Whether the route declares a querystring schema at all (every API route does). */
  readonly declared: boolean;
  /** Path parameters (`:id`). */
  readonly params: readonly string[];
}

const ROUTES = new WeakMap<FastifyInstance, RouteInfo[]>();

/** Every route of a server built by {@link buildHttpServer}, as registered. */
export function listRoutes(app: FastifyInstance): readonly RouteInfo[] {
  return ROUTES.get(app) ?? [];
}

/** Methods a client may try; those a path does not serve are answered 405. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * The page may load its own scripts, styles and API only; no inline code, no plugins, no
 * framing by another site (clickjacking), no base-URI or form tricks.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // A page opened with ?token= must not hand the token to another site as a Referer.
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** A failed schema check as the API's one error shape (400 naming the parameter). */
function schemaError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const e = errors[0];
  const field =
    (e?.instancePath ?? '').replace(/^\//, '').split('/')[0] ||
    String((e?.params as { missingProperty?: string } | undefined)?.missingProperty ?? dataVar);
  if (e?.keyword === 'type') return new InputError(field, 'was given more than once; give it once');
  return new InputError(field, `${e?.message ?? 'is not valid'} (${dataVar})`);
}

/**
 * Every query and path parameter a person can send, checked before any handler or the
 * database sees it: plain text, bounded length (a NUL byte or an escape sequence is a 400
 * naming the parameter, never a 500 from PostgreSQL).
 */
function checkInputs(query: unknown, params: unknown): void {
  for (const source of [params, query]) {
    if (typeof source !== 'object' || source === null) continue;
    for (const [name, v] of Object.entries(source as Record<string, unknown>)) {
      checkText(name, name, 100);
      // (a token is never echoed back, even a malformed one)
      for (const one of Array.isArray(v) ? v : [v])
        if (typeof one === 'string') checkText(one, name, 1000, { secret: name === 'token' });
    }
  }
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
    schemaErrorFormatter: schemaError,
  });
  const routes: RouteInfo[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (r: RouteOptions) => {
    if ((r.config as { methodNotAllowed?: boolean } | undefined)?.methodNotAllowed) return;
    const query = (r.schema?.querystring as { properties?: Record<string, unknown> } | undefined)?.properties;
    for (const method of Array.isArray(r.method) ? r.method : [r.method])
      routes.push({
        method,
        url: r.url,
        query: Object.keys(query ?? {}),
        declared: r.schema?.querystring !== undefined,
        params: [...r.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!),
      });
  });
  registerErrorHandler(app, deps.log);
  app.addHook('onSend', async (_req, reply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(k)) reply.header(k, v);
  });
  registerTokenCheck(app, deps.config.httpToken, {
    secureCookie: deps.config.publicUrl.startsWith('https:'),
  });
  app.addHook('preValidation', async (req) => {
    checkInputs(req.query, req.params);
  });
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
  registerMethodNotAllowed(app, routes);
  return app;
}

/** A 405 with `Allow` for each method a registered path does not serve (instead of a 404). */
function registerMethodNotAllowed(app: FastifyInstance, routes: readonly RouteInfo[]): void {
  const byUrl = new Map<string, Set<string>>();
  for (const r of routes) {
    const set = byUrl.get(r.url) ?? new Set<string>();
    set.add(r.method);
    byUrl.set(r.url, set);
  }
  for (const [url, served] of byUrl) {
    const allow = METHODS.filter((m) => served.has(m)).join(', ');
    const others = METHODS.filter((m) => !served.has(m));
    if (others.length === 0) continue;
    app.route({
      method: [...others],
      url,
      // Not part of the API: kept out of listRoutes by the flag below.
      config: { methodNotAllowed: true },
      handler: async (req, reply) =>
        reply
          .code(405)
          .header('allow', allow)
          .send({ error: 'method_not_allowed', message: `${req.method} is not allowed here; use ${allow}` }),
    });
  }
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
