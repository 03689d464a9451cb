/**
 * Credentials never appear whole in a message or a log line. {@link maskSecrets} hides the
 * ones a text can carry: the password of a URL (`postgres://user:***@host`, also when the
 * URL is malformed), a token, password or key in a query string (`?token=***`), and a
 * bearer or basic credential (`Bearer ***`). The rest of the text stays as it was, so the
 * message still says which server or which parameter is meant.
 */

const MASK = '***';

/** scheme://user:password@ — the password runs to the last `@` before whitespace or the end. */
const URL_PASSWORD_RE = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s]*@/gi;
/** ?token=…, &password=…, access_token, api_key, secret, sig … in a query string or form body. */
const QUERY_SECRET_RE =
  /([?&;](?:token|access_token|refresh_token|id_token|auth|password|passwd|pwd|pass|secret|api_key|apikey|key|sig|signature|session)=)[^&#\s"'<>]*/gi;
/** Authorization header values written out. */
const AUTH_SCHEME_RE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

/** `text` with every credential it carries replaced by `***`. */
export function maskSecrets(text: string): string {
  return text
    .replace(URL_PASSWORD_RE, `$1${MASK}@`)
    .replace(QUERY_SECRET_RE, `$1${MASK}`)
    .replace(AUTH_SCHEME_RE, `$1 ${MASK}`);
}

/**
 * One value that may be a URL (a setting), masked as a whole: everything between
 * `scheme://user:` and the value's last `@` is the password, even with spaces or `@` in it
 * (a malformed URL is exactly when the value gets echoed in an error).
 */
export function maskUrlValue(value: string): string {
  const m = URL_VALUE_RE.exec(value);
  if (m) return maskSecrets(`${m[1]}${MASK}@${m[3]}`);
  return maskSecrets(value);
}

const URL_VALUE_RE = /^(\s*[a-z][a-z0-9+.-]*:\/\/[^:/@]*:)(.*)@([^@]*)$/is;

/**
 * `text` (a message about `value`, which may quote all or part of it) with the password that
 * {@link maskUrlValue} finds in `value` masked wherever it appears, then {@link maskSecrets}.
 */
export function maskValueIn(text: string, value: string): string {
  const password = URL_VALUE_RE.exec(value)?.[2];
  let out = text;
  if (password) out = out.split(password).join(MASK);
  return maskSecrets(out);
}
