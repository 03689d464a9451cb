/**
 * Small, strict readers for the portal's JSON. Every reader takes the endpoint (call name)
 * and the JSON path of the value it reads (`data.evaluation[3].departmentId`), so a body
 * that does not match fails with a {@link PortalFormatError} naming both. A key that is
 * present with `null` is `null`; a key that is absent is an error where the field is
 * required. Nothing here turns `null` into 0.
 */
import { PortalFormatError } from '../errors.js';
import type { CallName } from './requests.js';

export type JsonObject = Record<string, unknown>;

/** Throw the format error for `field` of `endpoint`, saying what to do next. */
export function formatError(endpoint: CallName, field: string, problem: string): never {
  throw new PortalFormatError(
    `${problem} at ${field}; the portal's ${endpoint} answer no longer matches the parser ` +
      '(keep the body, compare it with the recordings and update src/source/parse-*.ts)',
    { endpoint, field },
  );
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function readObject(endpoint: CallName, v: unknown, path: string): JsonObject {
  if (v === undefined) formatError(endpoint, path, 'missing object');
  if (!isObject(v)) formatError(endpoint, path, `expected an object, got ${typeName(v)}`);
  return v;
}

export function readArray(endpoint: CallName, v: unknown, path: string): unknown[] {
  if (v === undefined) formatError(endpoint, path, 'missing list');
  if (!Array.isArray(v)) formatError(endpoint, path, `expected a list, got ${typeName(v)}`);
  return v;
}

/**
 * A required string, non-empty unless `allowEmpty` (then an empty value is for the value
 * checks to judge: one row's empty name is a problem of that row, not a format change).
 */
export function readString(
  endpoint: CallName,
  obj: JsonObject,
  key: string,
  path: string,
  opts: { allowEmpty?: boolean } = {},
): string {
  const v = obj[key];
  const at = `${path}.${key}`;
  if (v === undefined) formatError(endpoint, at, 'missing field');
  if (typeof v !== 'string') formatError(endpoint, at, `expected a string, got ${typeName(v)}`);
  if (v.trim() === '' && !opts.allowEmpty) formatError(endpoint, at, 'empty string');
  return v;
}

/** An optional string: absent or `null` → null; any other type is an error. */
export function readOptionalString(
  endpoint: CallName,
  obj: JsonObject,
  key: string,
  path: string,
): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') formatError(endpoint, `${path}.${key}`, `expected a string, got ${typeName(v)}`);
  return v;
}

/** A required key holding a finite number or `null`. */
export function readNumberOrNull(
  endpoint: CallName,
  obj: JsonObject,
  key: string,
  path: string,
): number | null {
  const v = obj[key];
  const at = `${path}.${key}`;
  if (v === undefined) formatError(endpoint, at, 'missing field');
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v))
    formatError(endpoint, at, `expected a number or null, got ${typeName(v)}`);
  return v;
}

/** An optional key holding a number or `null`: absent → undefined (so callers can tell). */
export function readOptionalNumber(
  endpoint: CallName,
  obj: JsonObject,
  key: string,
  path: string,
): number | null | undefined {
  if (!(key in obj)) return undefined;
  return readNumberOrNull(endpoint, obj, key, path);
}

/**
 * The first of several spellings that is present (`score` vs `totalScore`: the portal names
 * the same thing differently per endpoint). Missing all → error naming the preferred one.
 */
export function readNumberEither(
  endpoint: CallName,
  obj: JsonObject,
  keys: readonly string[],
  path: string,
): number | null {
  for (const k of keys) if (k in obj) return readNumberOrNull(endpoint, obj, k, path);
  return formatError(endpoint, `${path}.${keys[0]}`, 'missing field');
}

/** The keys of `obj` outside `known`, as the portal gave them (empty object when none). */
export function unknownKeys(obj: JsonObject, known: ReadonlySet<string>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (!known.has(k)) out[k] = v;
  return out;
}

/**
 * Competition ranking ("1224"): rank = 1 + the number of strictly higher scores; equal
 * scores (compared in hundredths) share a rank; `null` scores are unranked (null).
 */
export function competitionRanks(scores: readonly (number | null)[]): (number | null)[] {
  const cents = scores.map((s) => (s === null ? null : Math.round(s * 100)));
  const present = cents.filter((c): c is number => c !== null);
  return cents.map((c) => (c === null ? null : 1 + present.filter((o) => o > c).length));
}

/** Percentage numerator/denominator with two decimals; null when either is null or the denominator is 0. */
export function percentOf(numerator: number | null, denominator: number | null): number | null {
  if (numerator === null || denominator === null || denominator === 0) return null;
  return Math.round((numerator / denominator) * 10_000) / 100;
}

/** `H21.105` → 105; null when the code has no numeric suffix. */
export function codeSuffix(code: string | null): number | null {
  if (code === null) return null;
  const m = /\.(\d+)$/.exec(code);
  return m ? Number(m[1]) : null;
}
