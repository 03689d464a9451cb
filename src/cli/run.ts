/**
 * Glue between commander actions and the process: every command body returns an exit code
 * (or nothing for 0) and may throw; errors are printed once, as one readable line that says
 * what to do, and mapped to the documented exit codes (see `exitCodeFor`).
 */
import { mkdir, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { type Config, loadConfig } from '../config.js';
import {
  ConfigError,
  exitCodeFor,
  InputError,
  PortalBlockedError,
  PortalFormatError,
  toError,
} from '../errors.js';
import { checkText } from '../query/inputs.js';
import { maskSecrets } from '../secrets.js';
import { escapeControlCharsKeepLines, printableValue } from '../text.js';

export type Out = Pick<NodeJS.WriteStream, 'write'>;

/** Longest value a flag or argument may have (a path is at most 4096 bytes on Linux). */
const ARG_MAX = 4096;

function isCommand(v: unknown): v is Command {
  return typeof v === 'object' && v !== null && typeof (v as Command).opts === 'function' && 'options' in v;
}

/**
 * Every flag value and argument a command received, checked before its body runs: no control
 * character (a NUL byte, an escape sequence), at most {@link ARG_MAX} characters. A bad one is
 * bad input naming the flag (exit 2) — for every command, present and future.
 */
export function checkCommandInputs(args: readonly unknown[]): void {
  const command = args.find(isCommand);
  const flagOf = (key: string) =>
    command?.options.find((o) => o.attributeName() === key)?.long ??
    `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const argNames = command?.registeredArguments.map((a) => `<${a.name()}>`) ?? [];
  let position = 0;
  for (const a of args) {
    if (isCommand(a)) continue;
    if (typeof a === 'string') {
      checkText(a, argNames[position++] ?? '<argument>', ARG_MAX);
    } else if (Array.isArray(a)) {
      const name = argNames[position++] ?? '<argument>';
      for (const x of a) if (typeof x === 'string') checkText(x, name, ARG_MAX);
    } else if (typeof a === 'object' && a !== null) {
      for (const [k, v] of Object.entries(a)) {
        if (typeof v === 'string') checkText(v, flagOf(k), ARG_MAX);
        else if (Array.isArray(v))
          for (const x of v) if (typeof x === 'string') checkText(x, flagOf(k), ARG_MAX);
      }
    }
  }
}

/** Wrap a command body so that its result becomes `process.exitCode`. */
// biome-ignore lint/suspicious/noConfusingVoidType: command bodies that return nothing are Promise<void>
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | undefined | void>) {
  return async (...args: A): Promise<void> => {
    try {
      checkCommandInputs(args);
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

const HOSTNAME_RE =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Validate an address to bind (`--host`): an IP address or a host name, nothing else. */
export function parseHost(value: string, flag: string): string {
  const v = value.trim();
  if (isIP(v.replace(/^\[(.*)\]$/, '$1')) !== 0 || HOSTNAME_RE.test(v)) return v.replace(/^\[(.*)\]$/, '$1');
  throw new InputError(
    flag,
    `${printableValue(value, 60)} is not an IP address or host name (e.g. 127.0.0.1)`,
  );
}

/**
 * A server that could not bind, as bad input naming the flag to change (`--host` that does
 * not resolve or is not this machine's, `--port` in use or not allowed); anything else as is.
 */
export function bindError(e: unknown, hostFlag = '--host', portFlag = '--port'): Error {
  const err = toError(e) as Error & { code?: string };
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EADDRNOTAVAIL')
    return new InputError(
      hostFlag,
      `cannot listen there (${err.code}); give an address of this machine, e.g. 127.0.0.1`,
    );
  if (err.code === 'EADDRINUSE' || err.code === 'EACCES')
    return new InputError(
      portFlag,
      `cannot listen on it (${err.code}); pick another port, or 0 for any free one`,
    );
  return err;
}

/** Largest file a command reads whole (a capture, a scenario, a fault list). */
export const INPUT_FILE_MAX_BYTES = 256 * 1024 * 1024;

function fsReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  return code ?? toError(e).message;
}

/**
 * A file a flag names, before it is read whole: it exists, is a regular file (not a device
 * like /dev/zero, a folder or a pipe) and is at most `maxBytes`. Otherwise bad input naming the flag.
 */
export async function checkInputFile(
  file: string,
  flag: string,
  maxBytes = INPUT_FILE_MAX_BYTES,
): Promise<void> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(file);
  } catch (e) {
    throw new InputError(flag, `cannot read ${printableValue(file, 80)}: ${fsReason(e)}`);
  }
  if (!st.isFile()) throw new InputError(flag, `${printableValue(file, 80)} is not a regular file`);
  if (st.size > maxBytes)
    throw new InputError(
      flag,
      `${printableValue(file, 80)} is ${st.size} bytes; at most ${maxBytes} are read`,
    );
}

/** A folder a flag names for reading: it exists and is a folder. */
export async function checkInputDir(dir: string, flag: string): Promise<void> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(dir);
  } catch (e) {
    throw new InputError(flag, `cannot read ${printableValue(dir, 80)}: ${fsReason(e)}`);
  }
  if (!st.isDirectory()) throw new InputError(flag, `${printableValue(dir, 80)} is not a folder`);
}

/** A folder a flag names for writing later: missing is fine; an existing non-folder is bad input. */
export async function checkOutputDir(dir: string, flag: string): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory())
      throw new InputError(flag, `${printableValue(dir, 80)} exists and is not a folder`);
  } catch (e) {
    if (e instanceof InputError) throw e;
    if ((e as { code?: string }).code !== 'ENOENT')
      throw new InputError(flag, `cannot use ${printableValue(dir, 80)} as a folder: ${fsReason(e)}`);
  }
}

/** A folder a flag names for writing: made when missing; an existing non-folder is bad input. */
export async function ensureOutputDir(dir: string, flag: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new InputError(flag, `cannot use ${printableValue(dir, 80)} as a folder: ${fsReason(e)}`);
  }
  const st = await stat(dir);
  if (!st.isDirectory()) throw new InputError(flag, `${printableValue(dir, 80)} is not a folder`);
}

/** Validate a `--format` flag. */
export function parseFormat<T extends string>(value: string | undefined, allowed: readonly T[], def: T): T {
  if (value === undefined) return def;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError('--format', `"${value}" is not one of ${allowed.join(', ')}`);
}
