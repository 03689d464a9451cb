/**
 * Where is the browser? Looked up once, before a command that needs one starts any work:
 * `CHROMIUM_PATH` when set, else the usual executable names on PATH, else the macOS
 * applications, else a browser Playwright itself installed. No browser is a {@link SetupError}
 * (exit 2, never retried) with one line saying what to install or set.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright';
import type { Config } from '../config.js';
import { SetupError } from '../errors.js';

/** Executable names searched on PATH, in this order. */
export const CHROMIUM_NAMES = [
  'chromium',
  'chromium-browser',
  'google-chrome-stable',
  'google-chrome',
] as const;

const MAC_APPS = [
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** The one line that says how to get a browser. */
export const HOW_TO_INSTALL_CHROMIUM =
  'install Chromium (Debian/Ubuntu: sudo apt-get install chromium; macOS: brew install --cask chromium) ' +
  'or set CHROMIUM_PATH to a Chromium or Chrome executable';

export interface ChromiumFound {
  readonly path: string;
  readonly source: 'CHROMIUM_PATH' | 'PATH' | 'macOS application' | 'Playwright';
}

export interface FindChromiumOptions {
  /** CHROMIUM_PATH ('' = search). */
  readonly configured: string;
  /** The PATH to search (default: this process's). */
  readonly searchPath?: string;
  /** Where Playwright keeps the browser it installed, if any (default: ask Playwright). */
  readonly playwrightPath?: () => string | null;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function playwrightBrowser(): string | null {
  try {
    return chromium.executablePath() || null;
  } catch {
    return null;
  }
}

/** Find a browser or throw a {@link SetupError}; touches nothing but the file system. */
export function findChromium(opts: FindChromiumOptions): ChromiumFound {
  if (opts.configured !== '') {
    if (isExecutableFile(opts.configured)) return { path: opts.configured, source: 'CHROMIUM_PATH' };
    throw new SetupError(
      'CHROMIUM_PATH',
      `Chromium not found: CHROMIUM_PATH=${opts.configured} is not an executable file; ${HOW_TO_INSTALL_CHROMIUM}`,
    );
  }
  // PATH is the operating system's search path, not a setting of ours.
  const dirs = (opts.searchPath ?? process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const name of CHROMIUM_NAMES) {
    for (const dir of dirs) {
      const p = path.join(dir, name);
      if (isExecutableFile(p)) return { path: p, source: 'PATH' };
    }
  }
  for (const p of MAC_APPS) if (isExecutableFile(p)) return { path: p, source: 'macOS application' };
  const own = (opts.playwrightPath ?? playwrightBrowser)();
  if (own && isExecutableFile(own)) return { path: own, source: 'Playwright' };
  throw new SetupError(
    'CHROMIUM_PATH',
    `Chromium not found (CHROMIUM_PATH is empty and none of ${CHROMIUM_NAMES.join(', ')} is on PATH); ${HOW_TO_INSTALL_CHROMIUM}`,
  );
}

/**
 * The configuration with `chromiumPath` resolved, for commands that drive a browser: checked
 * once up front so that a missing browser stops the command at once instead of failing every
 * job. The `direct` transport needs no browser and gets the configuration unchanged.
 */
export function withChromium<C extends Pick<Config, 'chromiumPath' | 'portalTransport'>>(config: C): C {
  if (config.portalTransport !== 'browser') return config;
  const found = findChromium({ configured: config.chromiumPath });
  return Object.freeze({ ...config, chromiumPath: found.path });
}
