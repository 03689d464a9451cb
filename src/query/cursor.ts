/**
 * Keyset-pagination cursors: the sort key of the last row a page returned, as opaque
 * base64url text. A cursor never encodes an offset, so pages stay stable while new rows
 * arrive at the other end of the list.
 */
import { InputError } from '../errors.js';

export type CursorKey = readonly (string | number)[];

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * Decode a cursor made by {@link encodeCursor} with the given element types; anything else
 * is bad input on `field` (the query parameter's name).
 */
export function decodeCursor(
  text: string,
  types: readonly ('string' | 'number')[],
  field = 'after',
): (string | number)[] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (
    !Array.isArray(value) ||
    value.length !== types.length ||
    value.some((v, i) => typeof v !== types[i] || (typeof v === 'number' && !Number.isFinite(v)))
  ) {
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
