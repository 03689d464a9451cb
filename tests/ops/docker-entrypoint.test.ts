/**
 * The image's entrypoint script, run outside Docker with a fake `dvc-index` and a fake
 * `xvfb-run` on PATH that record what they were asked to run.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = path.resolve(import.meta.dirname, '../../scripts/docker-entrypoint.sh');

let bin: string;
let binNoXvfb: string;

beforeAll(() => {
  bin = mkdtempSync(path.join(tmpdir(), 'dvc-entry-'));
  binNoXvfb = mkdtempSync(path.join(tmpdir(), 'dvc-entry-noxvfb-'));
  const fakeDvc = '#!/bin/sh\nprintf "dvc-index"; for a in "$@"; do printf " [%s]" "$a"; done; echo\n';
  // The fake xvfb-run prints its own options, then runs the wrapped command like the real one.
  const fakeXvfb =
    '#!/bin/sh\nprintf "xvfb-run"\nwhile [ "$#" -gt 0 ]; do case "$1" in -*) printf " (%s)" "$1"; shift;; *) break;; esac; done\necho\nexec "$@"\n';
  for (const [dir, files] of [
    [bin, { 'dvc-index': fakeDvc, 'xvfb-run': fakeXvfb }],
    [binNoXvfb, { 'dvc-index': fakeDvc }],
  ] as const) {
    for (const [name, body] of Object.entries(files)) {
      writeFileSync(path.join(dir, name), body);
      chmodSync(path.join(dir, name), 0o755);
    }
  }
});
afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
  rmSync(binNoXvfb, { recursive: true, force: true });
});

async function entry(args: string[], env: Record<string, string> = {}, dir = () => bin) {
  // Only the fake bin folder and the system folders: no real dvc-index or xvfb-run can leak in.
  const PATH = `${dir()}:/usr/bin:/bin`;
  try {
    const r = await run(SCRIPT, args, { env: { PATH, ...env } });
    return { code: 0, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout.trim(), stderr: err.stderr.trim() };
  }
}

describe('docker-entrypoint.sh', () => {
  it('runs `dvc-index start` when given no arguments', async () => {
    expect(await entry([])).toMatchObject({ code: 0, stdout: 'dvc-index [start]' });
  });

  it('passes a command and its arguments through unchanged', async () => {
    const r = await entry(['report', '--province', 'H18', '--format', 'json']);
    expect(r.stdout).toBe('dvc-index [report] [--province] [H18] [--format] [json]');
  });

  it('drops a leading "dvc-index" word', async () => {
    expect((await entry(['dvc-index', 'doctor'])).stdout).toBe('dvc-index [doctor]');
    expect((await entry(['dvc-index'])).stdout).toBe('dvc-index [start]');
  });

  it('keeps arguments with spaces as one argument', async () => {
    const r = await entry(['circuit', 'close', '--reason', 'WAF lifted by the portal team']);
    expect(r.stdout).toBe('dvc-index [circuit] [close] [--reason] [WAF lifted by the portal team]');
  });

  it('stays headless unless PORTAL_HEADLESS is false', async () => {
    for (const v of ['true', '1', 'TRUE', '']) {
      expect((await entry(['start'], { PORTAL_HEADLESS: v })).stdout).toBe('dvc-index [start]');
    }
  });

  it('wraps the command in xvfb-run when PORTAL_HEADLESS=false (any spelling)', async () => {
    for (const v of ['false', 'False', ' no ', '0']) {
      const r = await entry(['start'], { PORTAL_HEADLESS: v });
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')).toEqual([
        'xvfb-run (-a) (--server-args=-screen 0 1366x768x24 -nolisten tcp)',
        'dvc-index [start]',
      ]);
    }
  });

  it('refuses headed mode with a clear message when xvfb-run is missing', async () => {
    const r = await entry(['start'], { PORTAL_HEADLESS: 'false' }, () => binNoXvfb);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('PORTAL_HEADLESS=false needs xvfb-run');
    expect(r.stdout).toBe('');
  });

  it('runs a shell or an absolute path directly, for debugging', async () => {
    expect((await entry(['sh', '-c', 'echo hello'])).stdout).toBe('hello');
    expect((await entry(['/bin/echo', 'direct'])).stdout).toBe('direct');
  });
});
