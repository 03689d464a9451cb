import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ReplayPortalFlags, startFromFlags } from '../../src/cli/commands/replay-portal.js';
import { InputError } from '../../src/errors.js';
import { planCall, provinceByCode } from '../../src/source/requests.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const children: ChildProcess[] = [];

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'replay-portal', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => {
    stdout += String(c);
  });
  child.stderr!.on('data', (c) => {
    stderr += String(c);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (re: RegExp, ms = 20_000): Promise<RegExpExecArray> => {
    const until = Date.now() + ms;
    for (;;) {
      const m = re.exec(stdout);
      if (m) return m;
      if (Date.now() > until || child.exitCode !== null)
        throw new Error(`no ${re} in stdout: ${stdout} ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, exited, waitFor, out: () => stdout, err: () => stderr };
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('dvc-index replay-portal', () => {
  it('serves a scenario on the printed URL until SIGTERM, then closes and exits 0', async () => {
    const p = run(['--scenario', 'scenarios/dien-bien-demo.json', '--port', '0', '--date', '2026-11-07']);
    const [, url] = await p.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const h18 = provinceByCode('H18')!;
    const call = planCall('formality-online-payment-tree', h18.id, { type: 'year', year: 2026, number: 0 });
    const res = await fetch(url + call.path, { method: 'POST', body: JSON.stringify(call.body) });
    expect(res.status).toBe(201);
    const body = await res.json();
    const so = body.data.children.find((c: { departmentCode: string }) => c.departmentCode === 'H18.02');
    expect(so.totalScore).toBe(3.2);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.out()).toContain('replay portal closed');
  });

  it('exits 2 naming the flag for a bad flag', async () => {
    const p = run(['--port', 'abc', '--scenario', 'scenarios/dien-bien-demo.json']);
    expect(await p.exited).toBe(2);
    expect(p.err()).toContain('--port');
  });

  it.each([
    [
      { scenario: 'scenarios/dien-bien-demo.json', recordings: 'tests/fixtures/portal-recordings' },
      '--recordings/--scenario',
    ],
    [{}, '--recordings/--scenario'],
    [{ recordings: 'scenarios' }, '--recordings'],
    [{ scenario: 'package.json' }, 'not a valid scenario'],
    [{ scenario: 'nowhere.json' }, '--scenario'],
    [{ scenario: 'scenarios/dien-bien-demo.json', date: '2026-02-30' }, '--date'],
    [{ scenario: 'scenarios/dien-bien-demo.json', latencyMs: '-5' }, '--latency-ms'],
    [{ scenario: 'scenarios/dien-bien-demo.json', faults: 'package.json' }, '--faults'],
  ] as Array<[ReplayPortalFlags, string]>)(
    'rejects %j with an InputError naming %s',
    async (flags, needle) => {
      const abs = (v: string | undefined) => (v === undefined ? undefined : path.resolve(ROOT, v));
      const resolved = {
        ...flags,
        scenario: abs(flags.scenario),
        recordings: abs(flags.recordings),
        faults: abs(flags.faults),
      };
      const err = await startFromFlags(resolved, { write: () => true }).then(
        async (p) => {
          await p.close();
          return null;
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InputError);
      expect(String(err)).toContain(needle);
    },
  );
});
