/**
 * Finding the browser on the real file system: CHROMIUM_PATH first, then the usual names on
 * PATH in order, then Playwright's own browser; none is a SetupError (exit 2) saying how to
 * install one.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCodeFor, SetupError } from '../../src/errors.js';
import { findChromium, withChromium } from '../../src/source/find-chromium.js';

const root = mkdtempSync(path.join(tmpdir(), 'dvc-find-chromium-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function exe(rel: string, mode = 0o755): string {
  const p = path.join(root, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, '#!/bin/sh\nexit 0\n');
  chmodSync(p, mode);
  return p;
}
const none = () => null;

describe('findChromium', () => {
  it('takes CHROMIUM_PATH when it is an executable file', () => {
    const p = exe('set/my-chrome');
    expect(findChromium({ configured: p, searchPath: '', playwrightPath: none })).toEqual({
      path: p,
      source: 'CHROMIUM_PATH',
    });
  });

  it.each([
    ['a missing file', path.join(root, 'nowhere/chromium')],
    ['a file that is not executable', exe('noexec/chromium', 0o644)],
    ['a directory', root],
  ])('rejects CHROMIUM_PATH pointing at %s, naming the variable and how to install', (_what, p) => {
    const err = (() => {
      try {
        findChromium({ configured: p, searchPath: '', playwrightPath: none });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SetupError);
    expect(exitCodeFor(err)).toBe(2);
    const msg = (err as Error).message;
    expect(msg).toContain(`CHROMIUM_PATH=${p} is not an executable file`);
    expect(msg).toContain('sudo apt-get install chromium');
    expect(msg).toContain('brew install --cask chromium');
    expect(msg).not.toContain('\n');
  });

  it('searches PATH for chromium, chromium-browser, google-chrome-stable, google-chrome in that order', () => {
    const a = path.dirname(exe('p1/google-chrome'));
    const b = path.dirname(exe('p2/chromium-browser'));
    exe('p3/chromium', 0o644); // not executable: skipped
    const c = path.join(root, 'p3');
    const searchPath = [c, a, b].join(path.delimiter);
    expect(findChromium({ configured: '', searchPath, playwrightPath: none })).toEqual({
      path: path.join(b, 'chromium-browser'),
      source: 'PATH',
    });
    expect(findChromium({ configured: '', searchPath: a, playwrightPath: none }).path).toBe(
      path.join(a, 'google-chrome'),
    );
  });

  it('falls back to a browser Playwright installed, and only when it exists', () => {
    const own = exe('ms-playwright/chromium-1234/chrome-linux/chrome');
    expect(findChromium({ configured: '', searchPath: '', playwrightPath: () => own })).toEqual({
      path: own,
      source: 'Playwright',
    });
    expect(() =>
      findChromium({ configured: '', searchPath: '', playwrightPath: () => path.join(root, 'gone/chrome') }),
    ).toThrow(SetupError);
  });

  it('says in one line what to install when there is no browser at all', () => {
    expect(() =>
      findChromium({ configured: '', searchPath: path.join(root, 'empty'), playwrightPath: none }),
    ).toThrow(
      /^Chromium not found \(CHROMIUM_PATH is empty and none of chromium, chromium-browser, google-chrome-stable, google-chrome is on PATH\); install Chromium \(Debian\/Ubuntu: sudo apt-get install chromium; macOS: brew install --cask chromium\) or set CHROMIUM_PATH/,
    );
  });
});

describe('withChromium', () => {
  it('resolves the path for the browser transport and leaves the direct transport alone', () => {
    const p = exe('w/chromium');
    expect(withChromium({ chromiumPath: p, portalTransport: 'browser' }).chromiumPath).toBe(p);
    const direct = { chromiumPath: '/nowhere', portalTransport: 'direct' as const };
    expect(withChromium(direct)).toBe(direct);
    expect(() => withChromium({ chromiumPath: '/nowhere', portalTransport: 'browser' })).toThrow(SetupError);
  });
});
