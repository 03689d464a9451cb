/**
 * The runtime image's file layout, rebuilt outside Docker: compile with the build stage's
 * command, copy what the runtime stage's COPY lines copy, make the links its RUN line makes,
 * then run the compiled CLI from there (`migrate` on a fresh database, `serve` answering
 * /healthz and the web page) — the paths the image depends on, checked without an engine.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';
import { ROOT } from './cli-child.js';
import { freePort } from './throwaway-redis.js';

const run = promisify(execFile);
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const work = mkdtempSync(path.join(tmpdir(), 'dvc-image-'));
const app = path.join(work, 'app');
let db: TestDatabase;

/** The instructions of the last stage, continuation lines joined. */
function runtimeStage(): string[] {
  const joined = DOCKERFILE.replace(/\\\n/g, ' ');
  const lines = joined.split('\n').map((l) => l.trim());
  const lastFrom =
    lines
      .map((l, i) => (/^FROM\s/i.test(l) ? i : -1))
      .filter((i) => i >= 0)
      .at(-1) ?? 0;
  return lines.slice(lastFrom).filter((l) => l !== '' && !l.startsWith('#'));
}

beforeAll(async () => {
  // Build stage: `npm run build` (tsc -p tsconfig.build.json), here into the scratch folder.
  expect(DOCKERFILE).toContain('RUN npm run build');
  await run(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      path.join(work, 'build/dist'),
    ],
    {
      cwd: ROOT,
    },
  );
  mkdirSync(app);
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
  for (const line of runtimeStage()) {
    const copy = /^COPY\s+(--from=build\s+)?(\S+)\s+(\S+)$/i.exec(line);
    if (copy) {
      const [, fromBuild, src, dest] = copy as unknown as [string, string | undefined, string, string];
      if (dest.startsWith('/')) continue; // outside /app (the entrypoint script, tested on its own)
      const from = fromBuild ? path.join(work, 'build', src.replace(/^\/app\//, '')) : path.join(ROOT, src);
      cpSync(from, path.join(app, dest), { recursive: true });
      continue;
    }
    const copyMany = /^COPY\s+(?!--)(.+)\s+(\.\/)$/i.exec(line);
    if (copyMany) {
      for (const f of copyMany[1]!.split(/\s+/)) cpSync(path.join(ROOT, f), path.join(app, f));
      continue;
    }
    if (/^RUN\s.*\bln -s\b/.test(line)) {
      // Only the steps that shape /app: mkdir -p and ln -s with relative targets.
      for (const step of line
        .replace(/^RUN\s+/, '')
        .split('&&')
        .map((s) => s.trim())) {
        const ln = /^ln -s (\S+) (\S+)$/.exec(step);
        if (ln && !ln[2]!.startsWith('/')) symlinkSync(ln[1]!, path.join(app, ln[2]!));
        const mk = /^mkdir -p (\S+)$/.exec(step);
        if (mk && !mk[1]!.startsWith('/')) mkdirSync(path.join(app, mk[1]!), { recursive: true });
      }
    }
  }
  db = await createTestDatabase({ migrated: false });
}, 240_000);

afterAll(async () => {
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('runtime image layout', () => {
  it('holds the compiled CLI and no TypeScript sources', () => {
    expect(existsSync(path.join(app, 'dist/src/cli/index.js'))).toBe(true);
    expect(existsSync(path.join(app, 'src/cli'))).toBe(false);
    expect(existsSync(path.join(app, 'bin/dvc-index.js'))).toBe(true);
    expect(existsSync(path.join(app, 'src/http/public/index.html'))).toBe(true);
    expect(existsSync(path.join(app, 'scenarios/dien-bien-demo.json'))).toBe(true);
  });

  it('applies the migrations from the compiled code', async () => {
    const env = testEnv({ DATABASE_URL: db.url });
    const { stdout } = await run(process.execPath, [path.join(app, 'bin/dvc-index.js'), 'migrate'], {
      cwd: app,
      env,
    });
    expect(stdout).toMatch(/^applied \d+ migration\(s\): 0001_core\.sql/);
  });

  it('serves /healthz and the web page from the compiled code', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, [path.join(app, 'bin/dvc-index.js'), 'serve'], {
      cwd: app,
      env: testEnv({ DATABASE_URL: db.url, HTTP_PORT: String(port) }),
      stdio: 'ignore',
    });
    try {
      let health: Response | null = null;
      const deadline = Date.now() + 60_000;
      while (!health && Date.now() < deadline) {
        health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
        if (!health) await new Promise((r) => setTimeout(r, 200));
      }
      expect(health?.status).toBe(200);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
