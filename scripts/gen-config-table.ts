/**
 * Generates the configuration documentation from `CONFIG_DOCS` (src/config.ts), the single
 * source of every variable's default and meaning:
 *   - the README's table between `<!-- config-table:start -->` and `<!-- config-table:end -->`;
 *   - `.env.example`, every variable with its default, commented out.
 * `npx tsx scripts/gen-config-table.ts` rewrites both; `--check` exits 1 when either is stale
 * (a test runs the same comparison).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_DOCS } from '../src/config.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TABLE_START = '<!-- config-table:start -->';
export const TABLE_END = '<!-- config-table:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The Markdown table `variable | default | meaning`. */
export function renderConfigTable(): string {
  const rows = CONFIG_DOCS.map(
    (d) => `| \`${d.variable}\` | ${d.default === '' ? '*(empty)*' : `\`${cell(d.default)}\``} | ${cell(d.meaning)} |`,
  );
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The README with its table section replaced by a fresh one. */
export function withConfigTable(readme: string): string {
  const a = readme.indexOf(TABLE_START);
  const b = readme.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${TABLE_START} … ${TABLE_END} section`);
  return `${readme.slice(0, a + TABLE_START.length)}\n${renderConfigTable()}\n${readme.slice(b)}`;
}

/** Values the compose stack sets for the worker itself (DATABASE_URL, REDIS_URL, HTTP_*). */
const COMPOSE_SET = new Set(['DATABASE_URL', 'REDIS_URL', 'HTTP_HOST', 'HTTP_PORT']);

/** Variables docker-compose.yml itself reads from .env (not the program's settings). */
export const COMPOSE_VARIABLES = [
  {
    name: 'POSTGRES_PASSWORD',
    def: 'dvc',
    meaning: 'the password of the bundled PostgreSQL (set it before the first start)',
  },
  {
    name: 'WEB_PORT',
    def: '8080',
    meaning:
      'the port of this machine (127.0.0.1 only) where the web page is published; a range such as 8080-8083 for `--scale worker=4`',
  },
  { name: 'DVC_IMAGE', def: 'dvc-index:latest', meaning: 'the image the dvc-index services run' },
] as const;
export const COMPOSE_ONLY = COMPOSE_VARIABLES.map((v) => v.name);

/** `.env.example`: every variable, its meaning, and its default commented out. */
export function renderEnvExample(): string {
  const out = [
    '# dvc-index settings. Copy to .env and uncomment what you change; every line shows the default.',
    '# Generated from src/config.ts by `npx tsx scripts/gen-config-table.ts` — do not edit by hand.',
    '# In docker compose, DATABASE_URL, REDIS_URL, HTTP_HOST and HTTP_PORT are set by docker-compose.yml.',
    '',
  ];
  for (const v of COMPOSE_VARIABLES) out.push(`# docker compose only: ${v.meaning}`, `#${v.name}=${v.def}`, '');
  for (const d of CONFIG_DOCS) {
    out.push(`# ${d.meaning}${COMPOSE_SET.has(d.variable) ? ' (set by docker-compose.yml)' : ''}`);
    const v = /[\s#"'$]/.test(d.default) ? `"${d.default.replace(/(["\\$])/g, '\\$1')}"` : d.default;
    out.push(`#${d.variable}=${v}`, '');
  }
  return out.join('\n');
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const check = process.argv.includes('--check');
  const readmePath = path.join(ROOT, 'README.md');
  const envPath = path.join(ROOT, '.env.example');
  const readme = readFileSync(readmePath, 'utf8');
  const nextReadme = withConfigTable(readme);
  const nextEnv = renderEnvExample();
  let env = '';
  try {
    env = readFileSync(envPath, 'utf8');
  } catch {
    env = '';
  }
  if (check) {
    const stale = [readme !== nextReadme && 'README.md', env !== nextEnv && '.env.example'].filter(Boolean);
    if (stale.length > 0) {
      console.error(`stale: ${stale.join(', ')}; run npx tsx scripts/gen-config-table.ts`);
      process.exit(1);
    }
  } else {
    writeFileSync(readmePath, nextReadme);
    writeFileSync(envPath, nextEnv);
  }
}
