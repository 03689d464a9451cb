/**
 * One response body of one call → typed observations. Pure: bytes in, {@link ParsedCapture}
 * out, or a {@link PortalFormatError} naming the endpoint (call) and the JSON path of the
 * field that did not match.
 */
import { parseEnvelope } from './parse-envelope.js';
import { parseNational, parseServiceResults } from './parse-service-results.js';
import { parseShapeA } from './parse-shape-a.js';
import { parseTree } from './parse-tree.js';
import type { CallName } from './requests.js';
import type { ParsedCapture } from './types.js';

export interface ParseContext {
  /**
   * The province asked for (`rootDepartmentId`). Required for `service-results`, whose
   * overview does not name its province; checked against the component answers.
   */
  readonly provinceId?: string;
}

/**
 * Parse one body of `call`. Envelope extras other than code/data/message are kept under
 * `extras.envelope`.
 * @throws PortalFormatError when the body is not the endpoint's format (not JSON, code ≠ OK, a missing or mistyped field)
 * @throws InputError when `service-results` is parsed without `ctx.provinceId`
 */
export function parseCapture(call: CallName, body: Buffer | string, ctx: ParseContext = {}): ParsedCapture {
  const env = parseEnvelope(call, body);
  const parsed = parseData(call, env.data, ctx);
  if (Object.keys(env.extras).length === 0) return parsed;
  return { ...parsed, extras: { ...parsed.extras, envelope: env.extras } };
}

function parseData(call: CallName, data: Record<string, unknown>, ctx: ParseContext): ParsedCapture {
  switch (call) {
    case 'national':
      return parseNational(data);
    case 'service-results':
      return parseServiceResults(data, ctx);
    case 'transparency':
    case 'dossier-digitized':
    case 'handling-satisfaction':
      return parseShapeA(call, data, ctx);
    case 'dvc-progress-tree':
    case 'provide-online-tree':
    case 'formality-online-payment-tree':
      return parseTree(call, data, ctx);
  }
}
