/**
 * The offline container lint (`npm run lint` calls scripts/lint-docker.mjs): the project's
 * Dockerfile and compose file pass, and broken copies of them fail with a message naming
 * the problem.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const LINT = path.join(ROOT, 'scripts/lint-docker.mjs');
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const COMPOSE = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const tmp = mkdtempSync(path.join(tmpdir(), 'dvc-lint-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function lint(files: { dockerfile?: string; compose?: string }) {
  const df = path.join(tmp, `Dockerfile.${Math.random().toString(36).slice(2)}`);
  const cf = path.join(tmp, `compose.${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(df, files.dockerfile ?? DOCKERFILE);
  writeFileSync(cf, files.compose ?? COMPOSE);
  try {
    const r = await run('node', [LINT, '--dockerfile', df, '--compose', cf], { cwd: ROOT });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

function replaced(text: string, from: string | RegExp, to: string): string {
  const next = text.replace(from, to);
  expect(next).not.toBe(text); // the mutation must hit something, or the case proves nothing
  return next;
}

describe('lint-docker', () => {
  it('passes the project Dockerfile and docker-compose.yml', async () => {
    const r = await lint({});
    expect(r.out).toContain('ok');
    expect(r.code).toBe(0);
  });

  it.each([
    ['an unknown instruction', 'USER dvc', 'USERR dvc', 'Unknown instruction: USERR'],
    ['running as root', 'USER dvc', 'USER root', 'non-root USER'],
    ['no HEALTHCHECK', /HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '', 'HEALTHCHECK'],
    [
      'a single stage',
      /FROM node:24-bookworm-slim AS build[\s\S]*?(?=########## runtime)/,
      '',
      'multi-stage',
    ],
    ['no tini', '"/usr/bin/tini", "-s", "--", ', '', 'tini'],
    [
      'Node 20 (out of support) at runtime',
      'FROM node:24-bookworm-slim AS runtime',
      'FROM node:20-bookworm-slim AS runtime',
      'node:24-bookworm-slim',
    ],
    ['another default command', 'CMD ["start"]', 'CMD ["serve"]', 'CMD must default'],
    ["apt's downloaded packages left in the image", ' /var/cache/apt/*', '', "remove apt's caches"],
  ])('fails a Dockerfile with %s', async (_name, from, to, message) => {
    const r = await lint({ dockerfile: replaced(DOCKERFILE, from, to) });
    expect(r.code).toBe(1);
    expect(r.out).toContain(message);
  });

  it.each([
    ['broken YAML', 'services:\n', 'services:\n  - [\n', 'not valid YAML'],
    ['an unknown service key', 'shm_size:', 'shm_sise:', 'additional properties (shm_sise)'],
    ['a wrong type', 'init: true', 'init: "yes please"', '/services/worker/init must be boolean'],
    ['Redis that may evict', '"noeviction"', '"allkeys-lru"', 'noeviction'],
    ['Redis without AOF', '"--appendonly", "yes"', '"--appendonly", "no"', '--appendonly yes'],
    [
      'an undeclared volume',
      '- pgdata:/var/lib/postgresql/data',
      '- pgdta:/var/lib/postgresql/data',
      'pgdta',
    ],
    ['no env_file', /\n\s+env_file: \.env/, '', 'env_file'],
    ['no try profile', /profiles: \["try"\]/g, 'profiles: ["other"]', 'profile "try"'],
    [
      'the web page on a port range by default',
      '127.0.0.1:${WEB_PORT:-8080}:8080',
      '127.0.0.1:${WEB_PORT:-8080-8089}:8080',
      'publish 127.0.0.1:8080:8080 by default',
    ],
    ['the web page on every interface', '"127.0.0.1:${WEB_PORT', '"${WEB_PORT', 'on 127.0.0.1 only'],
    ['a replay portal stuck on its own dates', /\s+"--anchor",\n\s+"due",/, '', '--anchor due'],
    ['no seed', 'command: ["seed"]', 'command: ["start"]', 'one-shot seed'],
    [
      'a long-running seed without a healthcheck',
      /(command: \["seed"\]\n\s+)restart: "no"/,
      '$1restart: unless-stopped',
      'service seed needs a healthcheck',
    ],
  ])('fails a compose file with %s', async (_name, from, to, message) => {
    const r = await lint({ compose: replaced(COMPOSE, from, to) });
    expect(r.code).toBe(1);
    expect(r.out).toContain(message);
  });
});
