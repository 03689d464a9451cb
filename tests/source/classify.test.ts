import { describe, expect, it } from 'vitest';
import { PortalBlockedError, PortalFormatError, PortalUnavailableError } from '../../src/errors.js';
import { classifyPageLoad, classifyResponse, readPage } from '../../src/source/classify.js';
import { planCall } from '../../src/source/requests.js';

const call = planCall('transparency', '019d2be3-6a88-732b-8b17-b68020c8553a', {
  type: 'year',
  year: 2026,
  number: 0,
});
const HTML = 'text/html; charset=utf-8';
const JSON_CT = 'application/json; charset=utf-8';

const WAF_PAGE = `<html><head><title>Request Rejected</title></head><body>
The requested URL was rejected. Please consult with your administrator.<br><br>
Your support ID is: 14788236420195512345<br><br><a href='javascript:history.back();'>[Go Back]</a></body></html>`;
const ACCESS_DENIED = `<!DOCTYPE html><html><head><title>Access Denied</title></head>
<body><h1>Access Denied</h1><p>You don't have permission to access this server. Reference #18.5c3e1602</p></body></html>`;
const CHALLENGE = `<html><head><title>Just a moment...</title></head><body><noscript>Please enable JavaScript and cookies to continue</noscript>
<div class="g-recaptcha" data-sitekey="x"></div></body></html>`;
const MAINTENANCE_VI = `<html><head><title>Thông báo</title></head><body><h2>Hệ thống đang bảo trì</h2>
<p>Cổng Dịch vụ công quốc gia tạm dừng để nâng cấp. Vui lòng quay lại sau.</p></body></html>`;
// NFD spelling of "bảo trì": the reading must normalise before matching.
const MAINTENANCE_NFD = MAINTENANCE_VI.normalize('NFD');
const MAINTENANCE_EN = '<html><head><title>Down for maintenance</title></head><body>Back soon.</body></html>';
const LOGIN = `<html><head><title>Đăng nhập</title></head><body><form action="/login" method="post">
<input name="username"><input type="password" name="password"><button>Đăng nhập</button></form></body></html>`;
const OTHER =
  '<html><head><title>Cổng Dịch vụ công Quốc gia</title></head><body><div id="root"></div></body></html>';

const ok = (data: unknown, code = 'OK') => JSON.stringify({ code, data, message: 'OK' });

type Expect = {
  cls: unknown;
  kind?: string;
  supportId?: string | null;
  field?: string | null;
  match?: RegExp;
};
const cases: Array<[string, { status: number; contentType: string | null; body: string }, Expect | null]> = [
  ['usable 201 envelope', { status: 201, contentType: JSON_CT, body: ok({ evaluation: [] }) }, null],
  ['usable 200 with a BOM', { status: 200, contentType: JSON_CT, body: `\uFEFF${ok({})}` }, null],
  [
    'F5 WAF page with 200',
    { status: 200, contentType: HTML, body: WAF_PAGE },
    { cls: PortalBlockedError, kind: 'waf-page', supportId: '14788236420195512345' },
  ],
  [
    'WAF page served as JSON content type',
    { status: 403, contentType: JSON_CT, body: WAF_PAGE },
    { cls: PortalBlockedError, kind: 'waf-page', supportId: '14788236420195512345' },
  ],
  [
    'Access Denied page',
    { status: 403, contentType: HTML, body: ACCESS_DENIED },
    { cls: PortalBlockedError, kind: 'waf-page', supportId: null },
  ],
  [
    'plain 403',
    { status: 403, contentType: 'text/plain', body: 'Forbidden' },
    { cls: PortalBlockedError, kind: 'http-403', supportId: null },
  ],
  [
    '429 JSON with a support id',
    {
      status: 429,
      contentType: JSON_CT,
      body: '{"message":"Too many requests. Your support ID is: 998877665544"}',
    },
    { cls: PortalBlockedError, kind: 'http-429', supportId: '998877665544' },
  ],
  [
    '429 empty body',
    { status: 429, contentType: null, body: '' },
    { cls: PortalBlockedError, kind: 'http-429', supportId: null },
  ],
  [
    'challenge page',
    { status: 200, contentType: HTML, body: CHALLENGE },
    { cls: PortalBlockedError, kind: 'challenge' },
  ],
  [
    'Vietnamese maintenance page',
    { status: 503, contentType: HTML, body: MAINTENANCE_VI },
    { cls: PortalUnavailableError, match: /maintenance/ },
  ],
  [
    'Vietnamese maintenance page in NFD with 200',
    { status: 200, contentType: HTML, body: MAINTENANCE_NFD },
    { cls: PortalUnavailableError, match: /maintenance/ },
  ],
  [
    'English maintenance page',
    { status: 200, contentType: HTML, body: MAINTENANCE_EN },
    { cls: PortalUnavailableError, match: /Down for maintenance/ },
  ],
  [
    'login page',
    { status: 200, contentType: HTML, body: LOGIN },
    { cls: PortalBlockedError, kind: 'login-page', match: /Đăng nhập/ },
  ],
  [
    'other HTML names its title',
    { status: 200, contentType: HTML, body: OTHER },
    { cls: PortalFormatError, field: null, match: /Cổng Dịch vụ công Quốc gia/ },
  ],
  ['500 JSON', { status: 500, contentType: JSON_CT, body: '{"error":"x"}' }, { cls: PortalUnavailableError }],
  [
    '502 HTML',
    { status: 502, contentType: HTML, body: '<html><body>Bad Gateway</body></html>' },
    { cls: PortalUnavailableError },
  ],
  ['503 empty', { status: 503, contentType: null, body: '' }, { cls: PortalUnavailableError }],
  [
    '404 JSON (the API moved)',
    { status: 404, contentType: JSON_CT, body: '{"error":"no recording for transparency"}' },
    { cls: PortalFormatError, field: 'path', match: /no recording for transparency/ },
  ],
  [
    '404 HTML',
    { status: 404, contentType: HTML, body: '<html><head><title>Not Found</title></head></html>' },
    { cls: PortalFormatError, field: 'path' },
  ],
  [
    'invalid JSON',
    { status: 201, contentType: JSON_CT, body: '{"code":"OK","data":{' },
    { cls: PortalFormatError, field: '(body)' },
  ],
  ['empty 201', { status: 201, contentType: JSON_CT, body: '' }, { cls: PortalFormatError, field: '(body)' }],
  [
    'JSON array',
    { status: 201, contentType: JSON_CT, body: '[1,2]' },
    { cls: PortalFormatError, field: '(envelope)' },
  ],
  [
    'code not OK',
    { status: 201, contentType: JSON_CT, body: ok({}, 'ERROR') },
    { cls: PortalFormatError, field: 'code', match: /"ERROR"/ },
  ],
  [
    'data null',
    { status: 201, contentType: JSON_CT, body: ok(null) },
    { cls: PortalFormatError, field: 'data', match: /null/ },
  ],
  [
    'data array',
    { status: 201, contentType: JSON_CT, body: ok([]) },
    { cls: PortalFormatError, field: 'data' },
  ],
  [
    '400 JSON',
    { status: 400, contentType: JSON_CT, body: '{"message":"timeType is required"}' },
    { cls: PortalFormatError, field: 'status', match: /timeType is required/ },
  ],
];

describe('classifyResponse', () => {
  it.each(cases)('%s', (_name, answer, want) => {
    const got = classifyResponse(call, { ...answer, body: Buffer.from(answer.body, 'utf8') });
    if (want === null) {
      expect(got).toBeNull();
      return;
    }
    expect(got).toBeInstanceOf(want.cls);
    if (want.kind !== undefined) expect((got as PortalBlockedError).kind).toBe(want.kind);
    if (want.supportId !== undefined) expect((got as PortalBlockedError).supportId).toBe(want.supportId);
    if (want.field !== undefined) {
      expect((got as PortalFormatError).endpoint).toBe('transparency');
      expect((got as PortalFormatError).field).toBe(want.field);
    }
    if (want.match) expect(got?.message).toMatch(want.match);
  });

  it('names the url and status on a block and says not to retry', () => {
    const got = classifyResponse(call, {
      status: 403,
      contentType: HTML,
      body: WAF_PAGE,
      url: 'http://127.0.0.1:1/api/v1/reporting/evaluation/transparency',
    }) as PortalBlockedError;
    expect(got.url).toBe('http://127.0.0.1:1/api/v1/reporting/evaluation/transparency');
    expect(got.status).toBe(403);
    expect(got.message).toMatch(/do not retry/);
    expect(got.message).toMatch(/14788236420195512345/);
  });

  it('names the national call by its endpoint', () => {
    const national = planCall('national', 'x', { type: 'year', year: 2026, number: 0 });
    const got = classifyResponse(national, { status: 201, contentType: JSON_CT, body: ok(null) });
    expect((got as PortalFormatError).endpoint).toBe('service-results');
  });
});

describe('readPage', () => {
  it('reads title, text and support id of a WAF page', () => {
    const page = readPage(WAF_PAGE);
    expect(page).toMatchObject({
      title: 'Request Rejected',
      kind: 'waf-page',
      supportId: '14788236420195512345',
    });
    expect(page.text).toMatch(/The requested URL was rejected/);
  });
});

describe('classifyPageLoad', () => {
  const url = 'http://127.0.0.1:1/danh-gia-chat-luong-phuc-vu';
  it('accepts a single-page-app shell, even one that asks for JavaScript in <noscript>', () => {
    const shell =
      '<html><head><title>Đánh giá chất lượng phục vụ</title><script src="/main.js"></script></head>' +
      '<body><noscript>Please enable JavaScript to run this app.</noscript><div id="root"></div></body></html>';
    expect(classifyPageLoad({ url, status: 200, contentType: HTML, body: shell })).toBeNull();
  });
  it('refuses a WAF page, 403, 429 and a challenge widget', () => {
    expect(classifyPageLoad({ url, status: 200, contentType: HTML, body: WAF_PAGE })).toMatchObject({
      kind: 'waf-page',
      supportId: '14788236420195512345',
    });
    expect(classifyPageLoad({ url, status: 403, contentType: HTML, body: OTHER })).toMatchObject({
      kind: 'http-403',
    });
    expect(classifyPageLoad({ url, status: 429, contentType: null, body: '' })).toMatchObject({
      kind: 'http-429',
    });
    expect(classifyPageLoad({ url, status: 200, contentType: HTML, body: CHALLENGE })).toMatchObject({
      kind: 'challenge',
    });
  });
  it('treats 5xx and maintenance as unavailable, 404 as moved', () => {
    expect(classifyPageLoad({ url, status: 502, contentType: null, body: '' })).toBeInstanceOf(
      PortalUnavailableError,
    );
    expect(classifyPageLoad({ url, status: 200, contentType: HTML, body: MAINTENANCE_VI })).toBeInstanceOf(
      PortalUnavailableError,
    );
    expect(classifyPageLoad({ url, status: 404, contentType: HTML, body: OTHER })).toBeInstanceOf(
      PortalFormatError,
    );
  });
});
