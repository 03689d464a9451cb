/**
 * Every variable the tool reads is documented where an operator looks: `.env.example` and
 * the README's configuration table, both generated from CONFIG_DOCS and kept in step.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPOSE_ONLY, renderEnvExample, withConfigTable } from '../../scripts/gen-config-table.js';
import { CONFIG_DOCS, CONFIG_VARIABLES, loadConfig } from '../../src/config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const envExample = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe('configuration documentation', () => {
  it('lists every variable in .env.example with its default', () => {
    for (const d of CONFIG_DOCS) {
      const line = envExample.split('\n').find((l) => l.startsWith(`#${d.variable}=`));
      expect(line, d.variable).toBeDefined();
      expect(line).toContain(d.default);
    }
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(30);
  });

  it('lists every variable docker-compose.yml reads from .env', () => {
    const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const used = [...compose.matchAll(/\$\{([A-Z_]+)(?::-[^}]*)?\}/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const v of used) expect(envExample).toContain(`#${v}=`);
  });

  it('lists every variable in the README configuration table', () => {
    for (const v of CONFIG_VARIABLES) expect(readme).toMatch(new RegExp(`^\\| \`${v}\` \\|`, 'm'));
  });

  it('README table and .env.example are what scripts/gen-config-table.ts generates', () => {
    expect(withConfigTable(readme)).toBe(readme);
    expect(envExample).toBe(renderEnvExample());
  });

  it('`npx tsx scripts/gen-config-table.ts --check` agrees (the README names that command)', async () => {
    const { execFile } = await import('node:child_process');
    const code = await new Promise<number>((resolve) =>
      execFile(
        process.execPath,
        [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/gen-config-table.ts', '--check'],
        { cwd: ROOT },
        (err) => resolve(err ? Number(err.code ?? 1) : 0),
      ),
    );
    expect(code).toBe(0);
    expect(readme).toContain('npx tsx scripts/gen-config-table.ts');
  });

  it('.env.example, uncommented, is a valid configuration equal to the defaults', () => {
    const env: Record<string, string> = {};
    for (const line of envExample.split('\n')) {
      const m = /^#([A-Z_]+)=(.*)$/.exec(line);
      if (!m) continue;
      const raw = m[2]!;
      env[m[1]!] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(["\\$])/g, '$1') : raw;
    }
    expect(Object.keys(env).sort()).toEqual([...CONFIG_VARIABLES, ...COMPOSE_ONLY].sort());
    expect(loadConfig(env)).toEqual(loadConfig({}));
  });
});
