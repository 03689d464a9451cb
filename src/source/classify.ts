/**
 * What an answer from the portal means, decided once and purely: a usable JSON envelope
 * (null), or the error that says what should happen next. Every non-JSON answer is read with
 * cheerio, because a WAF block page, a challenge, a maintenance notice or a login form all
 * arrive as HTML, often with a status that alone would mislead (a block page with 200, a
 * maintenance page with 503). See PORTAL_API.md §2 and §8.
 */
import * as cheerio from 'cheerio';
import { type BlockKind, PortalBlockedError, PortalFormatError, PortalUnavailableError } from '../errors.js';
import { endpointOf, type PlannedCall } from './requests.js';

/** The parts of an HTTP answer the classification looks at. */
export interface AnswerToClassify {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: Buffer | string;
  /** Where the answer came from (for the error); defaults to the call's path. */
  readonly url?: string;
}

/** What an HTML page looks like, as far as the decision is concerned. */
export interface PageReading {
  readonly title: string;
  /** Visible text (scripts and styles removed, noscript kept), NFC. */
  readonly text: string;
  readonly kind: 'waf-page' | 'challenge' | 'maintenance' | 'login-page' | 'other';
  readonly supportId: string | null;
  /** A challenge recognised from markup (captcha widget, WAF challenge script), not from text. */
  readonly challengeMarkup: boolean;
}

const SUPPORT_ID_RE = /support\s*id\s*(?:is)?\s*[:#]?\s*([A-Za-z0-9][A-Za-z0-9-]{3,})/i;
const WAF_RE =
  /request rejected|access denied|the requested url was rejected|web application firewall|blocked by (?:the )?(?:waf|security)/i;
const CHALLENGE_RE =
  /captcha|checking your browser|verify (?:that )?you are (?:a )?human|are you a robot|please enable javascript|javascript is (?:required|disabled)|please enable cookies|bot (?:detection|protection)|xác minh bạn không phải/i;
const MAINTENANCE_RE =
  /bảo trì|bao tri|maintenance|tạm ngừng (?:hoạt động|dịch vụ|phục vụ)|service (?:is )?temporarily unavailable/i;
const CHALLENGE_SELECTOR =
  '.g-recaptcha, .h-captcha, .cf-turnstile, #challenge-form, form[action*="captcha" i]';
const CHALLENGE_SCRIPT_RE = /TSPD|bobcmn|window\._cf_chl|\/cdn-cgi\/challenge-platform/;

function bodyText(body: Buffer | string): string {
  const s = typeof body === 'string' ? body : body.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

function looksLikeHtml(contentType: string | null, text: string): boolean {
  const head = text.trimStart().slice(0, 1);
  if (head === '{' || head === '[') return false;
  if (head === '<') return true;
  return contentType !== null && /html|xml/i.test(contentType);
}

/**
 * Read an HTML page: its title, its visible text, and which of the known kinds of
 * interruption it is (F5-style WAF block page, challenge, maintenance, login). Pure.
 */
export function readPage(html: string): PageReading {
  const $ = cheerio.load(html);
  const title = $('title').first().text().replace(/\s+/g, ' ').trim().normalize('NFC');
  const challengeMarkup =
    $(CHALLENGE_SELECTOR).length > 0 ||
    $('script')
      .toArray()
      .some((el) => CHALLENGE_SCRIPT_RE.test(`${$(el).attr('src') ?? ''} ${$(el).text().slice(0, 5000)}`));
  $('script, style, template').remove();
  const text = $('body').text().replace(/\s+/g, ' ').trim().normalize('NFC');
  const all = `${title} ${text}`;
  const supportId = SUPPORT_ID_RE.exec(all)?.[1] ?? null;

  let kind: PageReading['kind'] = 'other';
  if (WAF_RE.test(all) || (supportId !== null && /reject|denied|block/i.test(all))) kind = 'waf-page';
  else if (challengeMarkup || CHALLENGE_RE.test(all)) kind = 'challenge';
  else if (MAINTENANCE_RE.test(all)) kind = 'maintenance';
  else if ($('input[type="password" i]').length > 0) kind = 'login-page';
  return { title, text, kind, supportId, challengeMarkup };
}

function blocked(
  kind: BlockKind,
  url: string,
  status: number,
  supportId: string | null,
  what: string,
): PortalBlockedError {
  const ref = supportId ? ` (support id ${supportId}: quote it when you contact the portal's operators)` : '';
  return new PortalBlockedError(
    `${what} (HTTP ${status})${ref}; collection must stop: do not retry, find out why this network or ` +
      'client is refused, then close the circuit by hand',
    { url, status, kind, supportId },
  );
}

function snippet(text: string, max = 160): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/**
 * Classify one answer to an API call. Returns null for a usable answer (2xx, a JSON object
 * with `code: "OK"` and an object `data`), otherwise the error whose class says what to do
 * next: {@link PortalBlockedError} (stop, never retry), {@link PortalUnavailableError} (retry
 * the run later), {@link PortalFormatError} (a developer must look).
 */
export function classifyResponse(
  call: Pick<PlannedCall, 'call' | 'path'>,
  answer: AnswerToClassify,
): Error | null {
  const { status, contentType } = answer;
  const url = answer.url ?? call.path;
  const endpoint = endpointOf(call.call);
  const text = bodyText(answer.body);

  if (looksLikeHtml(contentType, text)) {
    const page = readPage(text);
    if (page.kind === 'waf-page')
      return blocked('waf-page', url, status, page.supportId, `the portal's firewall rejected ${endpoint}`);
    if (page.kind === 'challenge')
      return blocked(
        'challenge',
        url,
        status,
        page.supportId,
        `the portal answered ${endpoint} with a browser challenge/captcha page ("${page.title}")`,
      );
    if (status === 403 || status === 429) return blockedByStatus(endpoint, url, status, page.supportId);
    if (page.kind === 'maintenance')
      return new PortalUnavailableError(
        `the portal shows a maintenance page for ${endpoint} (HTTP ${status}, "${page.title || snippet(page.text)}"); ` +
          'retry the run later',
        { url, status },
      );
    if (page.kind === 'login-page')
      return blocked(
        'login-page',
        url,
        status,
        page.supportId,
        `the portal asked for a login instead of answering ${endpoint} ("${page.title}")`,
      );
    if (status >= 500) return unavailable(endpoint, url, status);
    if (status === 404)
      return moved(endpoint, url, `an HTML 404 page ("${page.title || snippet(page.text)}")`);
    return new PortalFormatError(
      `HTML where JSON was expected from ${endpoint} (HTTP ${status}, page titled "${page.title || '(none)'}": ` +
        `${snippet(page.text, 120) || 'no text'}); the API may have moved or changed, re-record the answers ` +
        'and check PORTAL_API.md',
      { endpoint, field: null },
    );
  }

  if (status === 403 || status === 429) {
    const supportId = SUPPORT_ID_RE.exec(text)?.[1] ?? null;
    return blockedByStatus(endpoint, url, status, supportId);
  }
  if (status >= 500) return unavailable(endpoint, url, status);
  if (status === 404) return moved(endpoint, url, `HTTP 404 ("${snippet(text) || 'empty body'}")`);
  if (status < 200 || status > 299)
    return new PortalFormatError(
      `${endpoint} answered HTTP ${status} ("${snippet(text) || 'empty body'}"); the request format may have ` +
        'changed: compare the request body with PORTAL_API.md and a fresh browser session',
      { endpoint, field: 'status' },
    );

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return new PortalFormatError(
      `${endpoint} answered HTTP ${status} with a body that is not JSON ("${snippet(text, 80) || 'empty'}"); ` +
        'keep the capture and check whether the portal changed its API',
      { endpoint, field: '(body)', cause: e },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return new PortalFormatError(
      `${endpoint} answered JSON that is not the {code, data, message} envelope; check the capture`,
      { endpoint, field: '(envelope)' },
    );
  const env = parsed as Record<string, unknown>;
  if (env.code !== 'OK')
    return new PortalFormatError(
      `${endpoint} answered code ${JSON.stringify(env.code)} (message ${JSON.stringify(env.message ?? null)}) ` +
        'instead of "OK"; the request may be refused for its content: check the request body against PORTAL_API.md',
      { endpoint, field: 'code' },
    );
  if (env.data === null || typeof env.data !== 'object' || Array.isArray(env.data))
    return new PortalFormatError(
      `${endpoint} answered code OK but \`data\` is ${env.data === null ? 'null' : Array.isArray(env.data) ? 'an array' : typeof env.data} ` +
        'instead of an object; keep the capture and check the parser',
      { endpoint, field: 'data' },
    );
  return null;
}

function blockedByStatus(endpoint: string, url: string, status: number, supportId: string | null) {
  return blocked(
    status === 403 ? 'http-403' : 'http-429',
    url,
    status,
    supportId,
    status === 403 ? `the portal refused ${endpoint}` : `the portal says too many requests for ${endpoint}`,
  );
}

function unavailable(endpoint: string, url: string, status: number): PortalUnavailableError {
  return new PortalUnavailableError(
    `the portal failed on ${endpoint} with HTTP ${status}; the run will be retried later`,
    { url, status },
  );
}

function moved(endpoint: string, url: string, what: string): PortalFormatError {
  return new PortalFormatError(
    `${endpoint} answered ${what} at ${url}: the API path may have moved; check the portal in a browser and update ` +
      'src/source/requests.ts',
    { endpoint, field: 'path' },
  );
}

/**
 * Classify the answer to the evaluation page itself (HTML is expected there). Returns the
 * error for a refusal (403/429, WAF, challenge, login), an outage (5xx, maintenance) or a
 * moved page (404); null when the page loaded.
 */
export function classifyPageLoad(answer: AnswerToClassify & { url: string }): Error | null {
  const { status, url } = answer;
  const text = bodyText(answer.body);
  const page = readPage(text);
  const what = 'the evaluation page';
  const ok = status >= 200 && status <= 299;
  if (page.kind === 'waf-page')
    return blocked('waf-page', url, status, page.supportId, `the portal's firewall rejected ${what}`);
  // The real page is a single-page app whose shell may mention JavaScript or hold widgets:
  // on a 2xx answer only challenge markup counts, never a sentence in a <noscript>.
  if (page.kind === 'challenge' && (!ok || page.challengeMarkup))
    return blocked('challenge', url, status, page.supportId, `${what} is a browser challenge/captcha`);
  if (status === 403 || status === 429) return blockedByStatus(what, url, status, page.supportId);
  if (page.kind === 'maintenance' || status >= 500)
    return new PortalUnavailableError(
      `${what} is unavailable (HTTP ${status}${page.kind === 'maintenance' ? ', maintenance page' : ''}); retry the run later`,
      { url, status },
    );
  if (page.kind === 'login-page' && page.title !== '' && /đăng nhập|login|sign in/i.test(page.title))
    return blocked('login-page', url, status, null, `${what} asks for a login ("${page.title}")`);
  if (status === 404)
    return new PortalFormatError(
      `${what} answered 404 at ${url}: it may have moved; update EVALUATION_PAGE_PATH in src/source/requests.ts`,
      { endpoint: 'evaluation-page', field: 'path' },
    );
  if (status < 200 || status > 399)
    return new PortalFormatError(
      `${what} answered HTTP ${status} at ${url}; open it in a browser to see why`,
      {
        endpoint: 'evaluation-page',
        field: 'status',
      },
    );
  return null;
}
