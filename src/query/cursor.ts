/**
 * Keyset-pagination cursors: the sort key of the last row a page returned, as opaque
 * base64url text. A cursor never encodes an offset, so pages stay stable while new rows
 * arrive at the other end of the list. A cursor is input like any other: a hand-made one is
 * checked element by element against what the query's columns can hold, and refused as bad
 * input on its field — never passed on to PostgreSQL to fail there.
 */
import { isIsoDate } from '../domain.js';
import { InputError } from '../errors.js';
import { textFault } from '../text.js';
import { DATE_MAX, DATE_MIN, TEXT_MAX } from './inputs.js';

export type CursorKey = readonly (string | number)[];

/**
 * What one element of a cursor must be: `date` a calendar date {@link DATE_MIN}–{@link DATE_MAX},
 * `int` a whole number that fits an `integer` column, `id` a positive whole number (a
 * `bigserial` id, up to 2^53 − 1), `text` plain text of at most {@link TEXT_MAX} characters.
 */
export type CursorElement = 'date' | 'int' | 'id' | 'text';

/** Longest cursor text accepted (a real one is well under 200 characters). */
const CURSOR_MAX = 1000;
const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function fits(v: unknown, type: CursorElement): boolean {
  switch (type) {
    case 'date':
      return typeof v === 'string' && isIsoDate(v) && v >= DATE_MIN && v <= DATE_MAX;
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX;
    case 'id':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
    case 'text':
      return typeof v === 'string' && v.length <= TEXT_MAX && textFault(v) === null;
  }
}

/**
 * Decode a cursor made by {@link encodeCursor} whose elements are `types`; anything else is
 * bad input on `field` (the query parameter's name).
 */
export function decodeCursor(
  text: string,
  types: readonly CursorElement[],
  field = 'after',
): (string | number)[] {
  let value: unknown;
  if (text.length <= CURSOR_MAX && /^[A-Za-z0-9_-]+$/.test(text)) {
    try {
      value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    } catch {
      value = undefined;
    }
  }
  if (!Array.isArray(value) || value.length !== types.length || value.some((v, i) => !fits(v, types[i]!))) {
    throw new InputError(
      field,
      'is not a cursor this list returned; pass the nextCursor of the previous page',
    );
  }
  return value as (string | number)[];
}

/** Page size: 1–max, default when absent. */
export function clampLimit(limit: number | undefined, def: number, max: number): number {
  if (limit === undefined) return def;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new InputError('limit', `must be a whole number between 1 and ${max}`);
  }
  return limit;
}
