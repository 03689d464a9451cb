/**
 * Glue between commander actions and the process: every command body returns an exit code
 * (or nothing for 0) and may throw; errors are printed once, as one readable line that says
 * what to do, and mapped to the documented exit codes (see `exitCodeFor`).
 */
import { type Config, loadConfig } from '../config.js';
import {
  ConfigError,
  exitCodeFor,
  InputError,
  PortalBlockedError,
  PortalFormatError,
  toError,
} from '../errors.js';
import { maskSecrets } from '../secrets.js';
import { escapeControlCharsKeepLines } from '../text.js';

export type Out = Pick<NodeJS.WriteStream, 'write'>;

/** Wrap a command body so that its result becomes `process.exitCode`. */
// biome-ignore lint/suspicious/noConfusingVoidType: command bodies that return nothing are Promise<void>
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | undefined | void>) {
  return async (...args: A): Promise<void> => {
    try {
      const code = await fn(...args);
      process.exitCode = typeof code === 'number' ? code : 0;
    } catch (e) {
      process.stderr.write(`${describeError(e)}\n`);
      process.exitCode = exitCodeFor(e);
    }
  };
}

/**
 * One human line (or a few, for config) per error, naming what to fix. Credentials in it are
 * masked and control characters escaped: the text may quote the portal or the input.
 */
export function describeError(e: unknown): string {
  return escapeControlCharsKeepLines(maskSecrets(describeErrorText(e)));
}

function describeErrorText(e: unknown): string {
  const err = toError(e);
  if (err instanceof ConfigError) return `dvc-index: ${err.message}`;
  if (err instanceof InputError) {
    const list =
      err.candidates.length > 0 ? `\n  candidates:\n${err.candidates.map((c) => `    ${c}`).join('\n')}` : '';
    return `dvc-index: ${err.message}${list}`;
  }
  if (err instanceof PortalBlockedError) {
    return `dvc-index: blocked by the portal (${err.kind}${err.status ? `, HTTP ${err.status}` : ''}${err.supportId ? `, support id ${err.supportId}` : ''}) at ${err.url}: ${err.message}`;
  }
  if (err instanceof PortalFormatError) {
    return `dvc-index: the portal's answer changed format (endpoint ${err.endpoint}${err.field ? `, field ${err.field}` : ''}): ${err.message}`;
  }
  return `dvc-index: ${err.message}`;
}

/** Load the configuration or throw ConfigError (exit 2) before anything connects. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfig(env);
}

/** Validate a `--format` flag. */
export function parseFormat<T extends string>(value: string | undefined, allowed: readonly T[], def: T): T {
  if (value === undefined) return def;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError('--format', `"${value}" is not one of ${allowed.join(', ')}`);
}
