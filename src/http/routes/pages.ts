/**
 * The web page: plain ES modules and one stylesheet from src/http/public, Chart.js from
 * node_modules — nothing from the network, no build step. `/` is the province overview,
 * `/units/<id>` a unit's page (the e-mail links there).
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The public folder: beside the sources, or (running from dist/) back in src/. */
export function publicDir(): string {
  const candidates = [path.resolve(here, '../public'), path.resolve(here, '../../../../src/http/public')];
  return candidates.find((d) => existsSync(path.join(d, 'index.html'))) ?? candidates[0]!;
}

function chartJsPath(): string {
  // chart.js's package exports hide dist/chart.umd.js; find it beside the main entry.
  const main = createRequire(import.meta.url).resolve('chart.js');
  return path.join(path.dirname(main), 'chart.umd.min.js');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Files the page may load; anything else is a 404 (no path traversal to guard). */
const ASSETS = ['common.js', 'overview.js', 'unit.js', 'style.css'];

export function registerPageRoutes(app: FastifyInstance): void {
  const dir = publicDir();
  const cache = new Map<string, Buffer>();
  const load = async (file: string): Promise<Buffer> => {
    let b = cache.get(file);
    if (!b) {
      b = await readFile(file);
      cache.set(file, b);
    }
    return b;
  };
  const send = async (reply: FastifyReply, file: string) => {
    const body = await load(file);
    return reply
      .header('content-type', TYPES[path.extname(file)] ?? 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  };

  app.get('/', (_req, reply) => send(reply, path.join(dir, 'index.html')));
  app.get('/units/:id', (_req, reply) => send(reply, path.join(dir, 'unit.html')));
  app.get('/static/:file', (req, reply) => {
    const file = (req.params as { file: string }).file;
    if (!ASSETS.includes(file)) {
      return reply.code(404).send({ error: 'not_found', message: `no asset ${file}` });
    }
    return send(reply, path.join(dir, file));
  });
  app.get('/vendor/chart.umd.js', (_req, reply) => send(reply, chartJsPath()));
}
