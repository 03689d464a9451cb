/**
 * One error shape for the API: bad input is a 400 naming the field (never a 500), other
 * client errors keep fastify's status, anything else is a 500 logged once here.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { InputError } from '../errors.js';
import type { Logger } from '../logger.js';
import { maskSecrets } from '../secrets.js';

export function registerErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err: FastifyError | InputError | Error, req, reply) => {
    if (err instanceof InputError) {
      return reply.code(400).send({
        error: 'invalid_input',
        field: err.field,
        message: err.message,
        ...(err.candidates.length > 0 ? { candidates: err.candidates } : {}),
      });
    }
    const status = (err as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return reply
        .code(status)
        .send({ error: (err as FastifyError).code ?? 'bad_request', message: err.message });
    }
    log.error({ err, method: req.method, url: maskSecrets(req.url) }, 'http request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error; see the server log' });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
}
