/**
 * The optional bearer token (HTTP_TOKEN). When set, every route but the health checks needs
 * it: as `Authorization: Bearer <token>`, or — for a person opening the web page — once as
 * `?token=<token>`, which sets an HttpOnly cookie the page's own API calls then carry.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const TOKEN_COOKIE = 'dvc_token';
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison (hashing first makes the lengths equal). */
function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function cookieToken(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

export function registerTokenCheck(app: FastifyInstance, token: string): void {
  if (token === '') return;
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0] ?? '';
    if (OPEN_PATHS.has(path)) return;
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : null;
    const query = (req.query as Record<string, unknown> | undefined)?.token;
    const fromQuery = typeof query === 'string' ? query : null;
    const given = bearer ?? fromQuery ?? cookieToken(req.headers.cookie);
    if (given !== null && sameToken(given, token)) {
      if (fromQuery !== null && bearer === null) {
        reply.header(
          'set-cookie',
          `${TOKEN_COOKIE}=${encodeURIComponent(fromQuery)}; HttpOnly; SameSite=Strict; Path=/`,
        );
      }
      return;
    }
    reply.code(401).header('www-authenticate', 'Bearer realm="dvc-index"').send({
      error: 'unauthorized',
      message:
        'this server needs HTTP_TOKEN: send "Authorization: Bearer <token>" or open the page once with ?token=<token>',
    });
    return reply;
  });
}
