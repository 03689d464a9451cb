import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from './config.js';

export type { Logger };

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
    },
    destination,
  );
}
