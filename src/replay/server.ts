/**
 * The replay portal: an HTTP server on 127.0.0.1 that behaves like dichvucong.gov.vn's
 * evaluation page and reporting API, answering from recordings (byte for byte) or from a
 * scenario (generated in the recorded shapes), with faults on demand. Every test and the demo
 * talk to it instead of the real portal.
 *
 * Routes:
 * - `GET /danh-gia-chat-luong-phuc-vu` — the page (sets `JSESSIONID` and `route` cookies; its
 *   script calls the national list with `x-replay-spa: 1`).
 * - `POST /api/v1/reporting/evaluation/{service-results, transparency, dvc-progress-tree,
 *   provide-online-tree, formality-online-payment-tree, dossier-digitized,
 *   handling-satisfaction}` — 201 + `{"code":"OK","data":…,"message":"OK"}`; a malformed body
 *   gets 400 `{"statusCode":400,"message":[…],"error":"Bad Request"}` (NestJS style, as the
 *   portal's 201-on-POST suggests). `POST /api/v1/reporting/formalities` in recordings mode.
 * - A request nothing can answer gets 404 `{"replay":"no-recording"|"no-data",…}` naming the
 *   endpoint and body — a shape the portal never uses, so nobody mistakes it for an answer.
 * - Scenario mode answers for a date: `x-replay-date` header, `?replayDate=` query, else the
 *   server's date (`setDate`, `POST /__replay/date`, option `date`), else the last scenario
 *   day; it uses the latest listed day ≤ that date and says 503 before the first one.
 * - Admin (never logged, never faulted): `GET /__replay/requests`, `POST /__replay/faults`
 *   (an array of rules or `{rules}`), `GET /__replay/faults`, `POST /__replay/reset` (clears
 *   the log and restarts fault counters), `POST /__replay/date {"date":"YYYY-MM-DD"}`,
 *   `GET /__replay/scenario` (the scenario served, after any anchoring; 404 in recordings mode:
 *   `dvc-index seed` reads it to store the same days).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isIsoDate } from '../domain.js';
import { InputError } from '../errors.js';
import type { Logger } from '../logger.js';
import { API_PREFIX, type CallName, EVALUATION_PAGE_PATH } from '../source/requests.js';
import {
  defaultMissingField,
  deletePath,
  dropUnit,
  type FaultKind,
  FaultPlan,
  type FaultRule,
  gatewayPage,
  loginPage,
  maintenancePage,
  parseFaultRules,
  splitPage,
  wafPage,
} from './faults.js';
import { answerFromScenario } from './generate.js';
import { evaluationPage, SPA_HEADER } from './pages.js';
import { isEndpointName, parseReplayRequest, type ReplayRequest } from './parse-request.js';
import { openRecordings, RECORDING_CONTENT_TYPE, type RecordingStore } from './recordings.js';
import { type CompiledScenario, compileScenario } from './resolve.js';
import { parseScenario, type Scenario } from './scenario.js';

export type { FaultRule } from './faults.js';

export type ReplaySource = { recordingsDir: string } | { scenario: Scenario };

export interface ReplayOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) = a free port. */
  port?: number;
  /** Added before every API answer (not the page, not admin), in milliseconds. */
  latencyMs?: number;
  /** The date scenario mode answers for (YYYY-MM-DD); default the scenario's last day. */
  date?: string;
  faults?: FaultRule[];
  log?: Logger;
}

export interface RequestLogEntry {
  readonly method: string;
  /** Path with query. */
  readonly path: string;
  /** The parsed JSON body, the raw text when it was not JSON, null without a body. */
  readonly body: unknown;
  /** HTTP status sent; null when none was (hang, drop before the head). */
  status: number | null;
  /** ISO time the request arrived. */
  readonly at: string;
  /** True for calls made by the page's own script (header `x-replay-spa: 1`). */
  readonly fromPageScript: boolean;
  /** Which call (`national`, `transparency`, …, `page`), null for anything else. */
  readonly call: CallName | 'page' | null;
  /** The fault applied, if any. */
  fault: FaultKind | null;
}

export interface ReplayPortal {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  setDate(date: string): void;
  setFaults(rules: FaultRule[]): void;
  requests(): RequestLogEntry[];
  resetRequests(): void;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';
const MAX_BODY_BYTES = 1_000_000;

interface Answer {
  status: number;
  contentType: string;
  bytes: Buffer;
}

const jsonAnswer = (status: number, value: unknown): Answer => ({
  status,
  contentType: JSON_TYPE,
  bytes: Buffer.from(JSON.stringify(value)),
});
const htmlAnswer = (status: number, html: string): Answer => ({
  status,
  contentType: HTML_TYPE,
  bytes: Buffer.from(html),
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Start the replay portal. Resolves once it listens. */
export async function startReplayPortal(
  source: ReplaySource,
  opts: ReplayOptions = {},
): Promise<ReplayPortal> {
  const host = opts.host ?? '127.0.0.1';
  const latencyMs = opts.latencyMs ?? 0;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new InputError('latencyMs', 'must be 0 or more');
  let recordings: RecordingStore | null = null;
  let compiled: CompiledScenario | null = null;
  if ('recordingsDir' in source) recordings = openRecordings(source.recordingsDir);
  else compiled = compileScenario(parseScenario(source.scenario));
  if (opts.date !== undefined && !isIsoDate(opts.date))
    throw new InputError('date', `"${opts.date}" is not YYYY-MM-DD`);
  let serverDate: string | null = opts.date ?? null;
  const plan = new FaultPlan(opts.faults ? parseFaultRules(opts.faults) : []);
  let log: RequestLogEntry[] = [];
  /** Calls whose list was split by a second-page fault: their later pages are served from the split. */
  const splitCalls = new Set<CallName>();
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const defaultYear = (): number => {
    const d = currentDate(null);
    return d ? Number(d.slice(0, 4)) : 2026;
  };
  function currentDate(override: string | null): string | null {
    if (override) return override;
    if (serverDate) return serverDate;
    return compiled ? (compiled.dates[compiled.dates.length - 1] ?? null) : null;
  }

  async function answerApi(
    urlPath: string,
    req: ReplayRequest | null,
    body: unknown,
    date: string | null,
  ): Promise<Answer> {
    if (recordings) {
      const hit = await recordings.find(urlPath, body);
      if (hit) return { status: 201, contentType: RECORDING_CONTENT_TYPE, bytes: hit.bytes };
      return jsonAnswer(404, {
        replay: 'no-recording',
        message: `no recording for POST ${urlPath} with this body (recordings mode answers only recorded requests)`,
        endpoint: urlPath.slice(urlPath.lastIndexOf('/') + 1),
        path: urlPath,
        body,
      });
    }
    if (!req || !compiled) {
      return jsonAnswer(404, {
        replay: 'no-data',
        message: `scenario mode does not serve ${urlPath}`,
        path: urlPath,
        body,
      });
    }
    const res = answerFromScenario(compiled, req, date!);
    return jsonAnswer(res.status, res.body);
  }

  function mutate(a: Answer, f: (env: { data: Record<string, unknown> }) => void): Answer {
    if (a.status !== 201) return a;
    const env = JSON.parse(a.bytes.toString('utf8')) as { data: Record<string, unknown> };
    f(env);
    return { ...a, bytes: Buffer.from(JSON.stringify(env)) };
  }

  /** Statuses and pages of the faults that replace the answer entirely. */
  function faultAnswer(kind: FaultKind): Answer | null {
    switch (kind) {
      case '403':
        return htmlAnswer(403, wafPage(String(BigInt(`0x${randomBytes(8).toString('hex')}`)).slice(0, 19)));
      case '429':
        return htmlAnswer(
          429,
          '<html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1></body></html>',
        );
      case '500':
        return jsonAnswer(500, { statusCode: 500, message: 'Internal server error' });
      case '502':
        return htmlAnswer(502, gatewayPage(502));
      case '503':
        return htmlAnswer(503, gatewayPage(503));
      case 'maintenance':
        return htmlAnswer(503, maintenancePage());
      case 'login':
        return htmlAnswer(200, loginPage());
      case 'code-not-ok':
        return {
          status: 201,
          contentType: JSON_TYPE,
          bytes: Buffer.from(
            JSON.stringify({ code: 'ERROR', data: null, message: 'Có lỗi xảy ra, vui lòng thử lại sau' }),
          ),
        };
      default:
        return null;
    }
  }

  async function send(
    res: ServerResponse,
    entry: RequestLogEntry | null,
    a: Answer,
    headers: Record<string, string> = {},
  ) {
    if (res.destroyed) return;
    res.writeHead(a.status, {
      'content-type': a.contentType,
      'content-length': String(a.bytes.length),
      ...headers,
    });
    res.end(a.bytes);
    if (entry) {
      entry.status = a.status;
      opts.log?.debug(
        { method: entry.method, path: entry.path, call: entry.call, status: a.status, fault: entry.fault },
        'replay answer',
      );
    }
  }

  /** Write the head and half the body, then cut the connection. */
  function drop(res: ServerResponse, entry: RequestLogEntry, a: Answer) {
    res.writeHead(a.status, { 'content-type': a.contentType, 'content-length': String(a.bytes.length) });
    entry.status = a.status;
    res.write(a.bytes.subarray(0, Math.max(1, Math.floor(a.bytes.length / 2))), () => {
      res.socket?.destroy();
    });
  }

  function hang(res: ServerResponse) {
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://replay.local');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    if (url.pathname.startsWith('/__replay/')) return admin(url, method, raw, res);

    let body: unknown = null;
    let bodyIsJson = true;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = raw.toString('utf8');
        bodyIsJson = false;
      }
    }
    const fromPageScript = req.headers[SPA_HEADER] === '1';
    const entry: RequestLogEntry = {
      method,
      path: url.pathname + url.search,
      body,
      status: null,
      at: new Date().toISOString(),
      fromPageScript,
      call: null,
      fault: null,
    };
    log.push(entry);

    // The evaluation page.
    if (url.pathname === EVALUATION_PAGE_PATH && (method === 'GET' || method === 'HEAD')) {
      (entry as { call: CallName | 'page' | null }).call = 'page';
      const rule = fromPageScript ? null : plan.next('page');
      if (rule) return applyFault(rule, res, entry, htmlAnswer(200, evaluationPage(defaultYear())));
      const cookies = [
        `JSESSIONID=${randomBytes(16).toString('hex').toUpperCase()}; Path=/; HttpOnly`,
        `route=${randomBytes(20).toString('hex')}; Path=/`,
      ];
      res.setHeader('set-cookie', cookies);
      return send(res, entry, htmlAnswer(200, evaluationPage(defaultYear())));
    }

    const isApi = url.pathname.startsWith(API_PREFIX) || url.pathname === '/api/v1/reporting/formalities';
    if (!isApi || method !== 'POST') {
      return send(
        res,
        entry,
        jsonAnswer(404, { statusCode: 404, message: `Cannot ${method} ${url.pathname}`, error: 'Not Found' }),
      );
    }
    if (!bodyIsJson || (raw.length > 0 && (body === null || typeof body !== 'object'))) {
      return send(
        res,
        entry,
        jsonAnswer(400, {
          statusCode: 400,
          message: ['request body must be a JSON object'],
          error: 'Bad Request',
        }),
      );
    }
    const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
    let parsed: ReplayRequest | null = null;
    if (url.pathname.startsWith(API_PREFIX)) {
      if (!isEndpointName(name)) {
        return send(
          res,
          entry,
          jsonAnswer(404, { statusCode: 404, message: `Cannot POST ${url.pathname}`, error: 'Not Found' }),
        );
      }
      const p = parseReplayRequest(name, body ?? {});
      if (!p.ok)
        return send(
          res,
          entry,
          jsonAnswer(400, { statusCode: 400, message: p.messages, error: 'Bad Request' }),
        );
      parsed = p.request;
      (entry as { call: CallName | 'page' | null }).call = parsed.call;
    }

    const override = req.headers['x-replay-date'] ?? url.searchParams.get('replayDate');
    const asked = Array.isArray(override) ? override[0] : override;
    if (asked && !isIsoDate(asked)) {
      return send(
        res,
        entry,
        jsonAnswer(400, { replay: 'bad-date', message: `replay date "${asked}" is not YYYY-MM-DD` }),
      );
    }
    const date = currentDate(asked ?? null);

    const rule = parsed && !fromPageScript ? plan.next(parsed.call) : null;
    let answer: Answer;
    if (
      parsed &&
      (rule?.kind === 'second-page' || (splitCalls.has(parsed.call) && parsed.currentPage >= 2))
    ) {
      splitCalls.add(parsed.call);
      const firstBody = 'currentPage' in parsed.body ? { ...parsed.body, currentPage: 1 } : parsed.body;
      const first = await answerApi(
        url.pathname,
        { ...parsed, currentPage: 1, body: firstBody },
        firstBody,
        date,
      );
      answer = mutate(first, (env) => splitPage(env, parsed.currentPage));
    } else {
      answer = await answerApi(url.pathname, parsed, body ?? {}, date);
    }
    if (latencyMs > 0 && rule?.kind !== 'hang') await sleep(latencyMs);
    if (rule && rule.kind !== 'second-page') return applyFault(rule, res, entry, answer);
    if (rule) entry.fault = rule.kind;
    return send(res, entry, answer);
  }

  function applyFault(rule: FaultRule, res: ServerResponse, entry: RequestLogEntry, normal: Answer): void {
    entry.fault = rule.kind;
    const replaced = faultAnswer(rule.kind);
    if (replaced) {
      void send(res, entry, replaced, rule.kind === '429' ? { 'retry-after': '120' } : {});
      return;
    }
    switch (rule.kind) {
      case 'hang':
        hang(res);
        return;
      case 'drop':
        drop(res, entry, normal);
        return;
      case 'invalid-json': {
        const text = normal.bytes.toString('utf8');
        const cut = Buffer.from(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
        void send(res, entry, {
          status: normal.status,
          contentType: JSON_TYPE,
          bytes: cut,
        });
        return;
      }
      case 'missing-field':
        void send(
          res,
          entry,
          mutate(normal, (env) => deletePath(env, rule.field ?? defaultMissingField(env.data))),
        );
        return;
      case 'missing-unit':
        void send(
          res,
          entry,
          mutate(normal, (env) => dropUnit(env, rule.unitId)),
        );
        return;
      default:
        void send(res, entry, normal);
    }
  }

  async function admin(url: URL, method: string, raw: Buffer, res: ServerResponse): Promise<void> {
    const reply = (status: number, value: unknown) => send(res, null, jsonAnswer(status, value));
    let body: unknown = null;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : null;
    } catch {
      return reply(400, { replay: 'bad-request', message: 'admin body must be JSON' });
    }
    try {
      if (url.pathname === '/__replay/requests' && method === 'GET') return reply(200, log);
      if (url.pathname === '/__replay/faults' && method === 'GET') return reply(200, plan.list());
      if (url.pathname === '/__replay/scenario' && method === 'GET') {
        if (!compiled)
          return reply(404, { replay: 'no-scenario', message: 'this replay portal answers from recordings' });
        return reply(200, compiled.scenario);
      }
      if (url.pathname === '/__replay/faults' && method === 'POST') {
        plan.set(parseFaultRules(body));
        splitCalls.clear();
        return reply(200, { ok: true, rules: plan.list() });
      }
      if (url.pathname === '/__replay/reset' && method === 'POST') {
        log = [];
        plan.reset();
        splitCalls.clear();
        return reply(200, { ok: true });
      }
      if (url.pathname === '/__replay/date' && method === 'POST') {
        const d = (body as { date?: unknown } | null)?.date;
        if (typeof d !== 'string' || !isIsoDate(d))
          return reply(400, { replay: 'bad-date', message: 'send {"date":"YYYY-MM-DD"}' });
        serverDate = d;
        return reply(200, { ok: true, date: d });
      }
    } catch (e) {
      return reply(400, { replay: 'bad-request', message: (e as Error).message });
    }
    return reply(404, { replay: 'unknown-admin-route', message: `no admin route ${method} ${url.pathname}` });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      opts.log?.error({ err: e }, 'replay portal request failed');
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': JSON_TYPE });
        res.end(JSON.stringify({ replay: 'internal-error', message: (e as Error).message }));
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  opts.log?.info({ url, mode: recordings ? 'recordings' : 'scenario' }, 'replay portal listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging answers and keep-alive sockets would hold close() forever.
        for (const r of hanging) r.socket?.destroy();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
    setDate(d) {
      if (!isIsoDate(d)) throw new InputError('date', `"${d}" is not YYYY-MM-DD`);
      serverDate = d;
    },
    setFaults(rules) {
      plan.set(parseFaultRules(rules));
      splitCalls.clear();
    },
    requests: () => log.map((e) => ({ ...e })),
    resetRequests() {
      log = [];
      plan.reset();
      splitCalls.clear();
    },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) break;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
