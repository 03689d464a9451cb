import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from './config.js';
import { maskSecrets } from './secrets.js';

export type { Logger };

/** How deep a log object's own fields are searched for credentials in text. */
const MASK_DEPTH = 4;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * A log argument with credentials in its text masked (a URL's password, `?token=…`, a bearer
 * token): strings, plain objects and arrays, to {@link MASK_DEPTH} levels. Errors keep their
 * class and go through the `err` serializer, which masks message and stack.
 */
function maskArg(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return maskSecrets(v);
  if (depth >= MASK_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => maskArg(x, depth + 1));
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = maskArg(x, depth + 1);
    return out;
  }
  return v;
}

/** A serialized error (pino's own prototype, not a plain object) as a plain, masked one. */
function plainMasked(v: unknown, depth = 0): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || depth >= MASK_DEPTH)
    return maskArg(v, depth);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v))
    out[k] = k === 'cause' ? plainMasked(x, depth + 1) : maskArg(x, depth + 1);
  return out;
}

function maskedErr(err: Error): unknown {
  return plainMasked(pino.stdSerializers.errWithCause(err));
}

/** The request as fastify logs it, its URL's secrets masked. */
function maskedReq(req: { method?: string; url?: string; id?: unknown }): Record<string, unknown> {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? maskSecrets(req.url) : req.url,
    id: req.id,
  };
}

/**
 * A logger's context (run id, job, transport…) lives on the logger object and is merged into
 * each line's own fields by pino's `mixin`, instead of pino child bindings: bindings are
 * written as a prefix, so a key bound twice (by a parent and a child) or bound and passed again
 * would appear twice on one line. Merged, every key appears once; the innermost value wins.
 */
const CONTEXT = Symbol('dvc-index log context');
type WithContext = Logger & { [CONTEXT]?: Readonly<Record<string, unknown>> };

/** A child logger whose lines carry `context` (over the parent's context). Use instead of `.child()`. */
export function withLogContext(log: Logger, context: Readonly<Record<string, unknown>>): Logger {
  const child = log.child({}) as WithContext;
  child[CONTEXT] = { ...(log as WithContext)[CONTEXT], ...context };
  return child;
}

/**
 * pino JSON lines to stdout (or the given stream, so tests can capture lines). Credentials,
 * tokens, cookies and recipient addresses are redacted wherever they appear in a log object
 * under a known key, and credentials inside any text (messages, URLs, error messages, the
 * context) are masked: `postgres://user:***@host`, `?token=***`.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { app: 'dvc-index' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'smtpUrl',
          'config.smtpUrl',
          'httpToken',
          'config.httpToken',
          'headers.authorization',
          'headers.cookie',
          'req.headers.authorization',
          'req.headers.cookie',
          'cookie',
          'token',
          'to',
          'recipients',
          'config.alertTo',
          'config.alertToOperator',
          'password',
        ],
        censor: '[redacted]',
      },
      serializers: { err: maskedErr, req: maskedReq },
      hooks: {
        logMethod(args, method) {
          return method.apply(this, args.map((a) => maskArg(a)) as Parameters<typeof method>);
        },
      },
      // The context first, the line's own fields over it (see withLogContext): one key, once.
      mixin: (_fields, _level, logger) =>
        maskArg({ ...(logger as WithContext)[CONTEXT] }) as Record<string, unknown>,
      mixinMergeStrategy: (fields, context) => Object.assign(context, fields),
    },
    destination,
  );
}
