/**
 * The envelope every `/api/v1/reporting/...` answer shares: `{"code":"OK","data":{…},
 * "message":"OK"}` (PORTAL_API.md §2). Anything else — not JSON (an HTML page), `code` other
 * than OK, `data` not an object — is a {@link PortalFormatError} naming the endpoint and field.
 */
import { maskSecrets } from '../secrets.js';
import { escapeControlChars, printableValue } from '../text.js';
import { formatError, isObject, type JsonObject, unknownKeys } from './parse-fields.js';
import type { CallName } from './requests.js';

export interface Envelope {
  readonly data: JsonObject;
  readonly message: string | null;
  /** Envelope keys other than code/data/message, as given. */
  readonly extras: JsonObject;
}

const ENVELOPE_KEYS = new Set(['code', 'data', 'message']);

/** Decode the bytes (UTF-8, BOM tolerated) and check the envelope. */
export function parseEnvelope(call: CallName, body: Buffer | string): Envelope {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/^\uFEFF/, '');
  if (text.trim() === '') formatError(call, 'body', 'empty body where JSON was expected');
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    // Quoted into messages, logs and the run's error: no control character, no credential.
    // (masked before it is cut, so that no part of a credential survives the cut)
    const head = escapeControlChars(maskSecrets(text.trimStart().slice(0, 2000)).replace(/\s+/g, ' ')).slice(
      0,
      60,
    );
    const what = head.startsWith('<') ? 'HTML or XML' : 'text';
    formatError(call, 'body', `${what} where JSON was expected (starts "${head}")`);
  }
  if (!isObject(root)) formatError(call, 'body', 'expected a JSON object envelope');
  if (!('code' in root)) formatError(call, 'code', 'missing field');
  if (root.code !== 'OK') {
    const message = typeof root.message === 'string' ? `: ${root.message}` : '';
    formatError(call, 'code', `code is ${printableValue(root.code)}, not "OK"${escapeControlChars(message)}`);
  }
  if (!('data' in root)) formatError(call, 'data', 'missing field');
  if (!isObject(root.data)) formatError(call, 'data', 'expected an object');
  return {
    data: root.data,
    message: typeof root.message === 'string' ? root.message : null,
    extras: unknownKeys(root, ENVELOPE_KEYS),
  };
}
