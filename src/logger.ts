import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from './config.js';

export type { Logger };

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
 * tokens, cookies and recipient addresses are redacted wherever they appear in a log object.
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
          'cookie',
          'to',
          'recipients',
          'config.alertTo',
          'config.alertToOperator',
          'password',
        ],
        censor: '[redacted]',
      },
      serializers: { err: pino.stdSerializers.errWithCause },
      // The context first, the line's own fields over it (see withLogContext): one key, once.
      mixin: (_fields, _level, logger) => ({ ...(logger as WithContext)[CONTEXT] }),
      mixinMergeStrategy: (fields, context) => Object.assign(context, fields),
    },
    destination,
  );
}
