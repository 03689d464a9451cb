/**
 * Text that came from outside (the portal, a person, a file) and is about to be stored,
 * printed on a terminal or echoed in a message. One definition of "control character" for
 * every face: the parsers refuse such names, the HTTP API and the CLI refuse such inputs, the
 * tables print them escaped.
 */

/**
 * C0 controls (NUL, ESC, CR, TAB…), DEL, C1 controls (CSI U+009B…) and the bidirectional
 * embedding/override/isolate marks, which reorder what a terminal or page shows. None of
 * them belongs in a unit's name, a code or a query parameter.
 */
const CONTROL_CHAR_RE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const CONTROL_CHARS_G = new RegExp(`${CONTROL_CHAR_RE.source}|${LONE_SURROGATE_RE.source}`, 'g');

/** `U+001B` for one character. */
export function codePointName(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * What is wrong with `s` as text, or null when nothing: a control character (named by code
 * point) or a lone surrogate (not valid Unicode; PostgreSQL would store U+FFFD instead).
 */
export function textFault(s: string): string | null {
  const m = CONTROL_CHAR_RE.exec(s);
  if (m) return `a control character (${codePointName(m[0])}) at position ${m.index + 1}`;
  if (LONE_SURROGATE_RE.test(s)) return 'a lone surrogate (not valid Unicode)';
  return null;
}

/**
 * `s` with every control character and lone surrogate written as a visible escape (`\x1b`,
 * `\u009b`, `\u202e`, `\ud800`), so that printing it can neither move the cursor nor
 * recolour, clear or reorder a terminal. Plain text (Vietnamese included) is unchanged.
 */
export function escapeControlChars(s: string): string {
  return s.replace(CONTROL_CHARS_G, (ch) => {
    const n = ch.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/** {@link escapeControlChars} line by line: the line breaks of a multi-line message stay. */
export function escapeControlCharsKeepLines(s: string): string {
  return s.split('\n').map(escapeControlChars).join('\n');
}

/**
 * A value as it may appear in a message or a stored problem: JSON-like (strings quoted),
 * control characters escaped, at most `max` characters (`…` when cut).
 */
export function printableValue(value: unknown, max = 80): string {
  let text: string;
  if (typeof value === 'string') text = `"${escapeControlChars(value).replace(/"/g, '\\"')}"`;
  else if (typeof value === 'number') text = String(value);
  else {
    try {
      text = escapeControlChars(JSON.stringify(value) ?? String(value));
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
