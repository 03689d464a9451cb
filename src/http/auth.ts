/**
 * The optional bearer token (HTTP_TOKEN). When set, every route but the health checks needs
 * it: as `Authorization: Bearer <token>`, or — for a person opening the web page — once as
 * `?token=<token>`, which sets an HttpOnly cookie the page's own API calls then carry. A page
 * opened with `?token=` is redirected to the same address without it, so the token leaves
 * the address bar and the history. The cookie is `Secure` when PUBLIC_URL is https (served
 * behind a TLS proxy).
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

/** The token cookie's value; null when absent or not decodable (a malformed cookie is no cookie). */
export function cookieToken(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== TOKEN_COOKIE) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return null;
    }
  }
  return null;
}

/** The request's address without its `token` parameter (for the redirect after the cookie is set). */
function withoutToken(url: string): string {
  const u = new URL(url, 'http://localhost');
  u.searchParams.delete('token');
  return `${u.pathname}${u.search}`;
}

/** A person's browser opening a page (not a script asking the API for JSON or CSV). */
function isPageNavigation(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const mode = req.headers['sec-fetch-mode'];
  if (mode === 'navigate') return true;
  const accept = req.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

export interface TokenCheckOptions {
  /** Mark the cookie `Secure` (PUBLIC_URL is https: the page is served over TLS). */
  readonly secureCookie?: boolean;
}

export function registerTokenCheck(app: FastifyInstance, token: string, opts: TokenCheckOptions = {}): void {
  if (token === '') return;
  const cookieAttributes = `HttpOnly; SameSite=Strict; Path=/${opts.secureCookie ? '; Secure' : ''}`;
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
        reply.header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(fromQuery)}; ${cookieAttributes}`);
        if (isPageNavigation(req)) {
          // The cookie now carries the token: show the clean address, keep no token in history.
          reply.header('cache-control', 'no-store').redirect(withoutToken(req.url), 303);
          return reply;
        }
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
