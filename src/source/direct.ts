/**
 * The `direct` transport: plain HTTP from Node (its built-in fetch), for networks where the
 * portal answers plain clients (PORTAL_API.md §2: several collectors got 201 without cookies).
 * Same politeness and budget as the browser; no page load, no cookies; an honest User-Agent
 * and the evaluation page as Origin/Referer, as the portal's own page would send.
 */
import type { Config } from '../config.js';
import { PortalUnavailableError, toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createPacer, createRequestBudget, type Pacer } from './politeness.js';
import type { PortalClient, PortalSession, RawResponse } from './portal-types.js';
import { EVALUATION_PAGE_PATH, type PlannedCall } from './requests.js';

export type DirectClientConfig = Pick<
  Config,
  | 'portalBaseUrl'
  | 'portalMinGapMs'
  | 'portalJitterMs'
  | 'portalTimeoutMs'
  | 'portalMaxRequestsPerRun'
  | 'portalUserAgent'
>;

/**
 * HTTP header values are bytes (Latin-1 at most, ASCII in practice); the default User-Agent
 * says "QĐ766". Fold accents and đ, and replace whatever is left outside printable ASCII.
 */
export function toHeaderValue(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^\x20-\x7e]/g, '?');
}

/** The headers of every direct call (exported for doctor/probe output and tests). */
export function directHeaders(
  config: Pick<Config, 'portalBaseUrl' | 'portalUserAgent'>,
): Record<string, string> {
  const base = config.portalBaseUrl.replace(/\/+$/, '');
  return {
    Accept: 'application/json, text/plain, */*',
    'Content-Type': 'application/json',
    'User-Agent': toHeaderValue(config.portalUserAgent),
    Origin: new URL(base).origin,
    Referer: base + EVALUATION_PAGE_PATH,
  };
}

function describeCause(e: unknown): string {
  const err = toError(e);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

/** Create the direct transport. `pacer` defaults to a new one built from the config. */
export function createDirectClient(
  config: DirectClientConfig,
  log: Logger,
  pacer: Pacer = createPacer({ minGapMs: config.portalMinGapMs, jitterMs: config.portalJitterMs }),
): PortalClient {
  const base = config.portalBaseUrl.replace(/\/+$/, '');
  const headers = directHeaders(config);

  async function send(planned: PlannedCall, url: string): Promise<RawResponse> {
    const body = JSON.stringify(planned.body);
    const started = performance.now();
    const signal = AbortSignal.timeout(config.portalTimeoutMs);
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal, redirect: 'follow' });
      const bytes = Buffer.from(await res.arrayBuffer());
      const durationMs = Math.round(performance.now() - started);
      log.debug({ url, call: planned.call, status: res.status, durationMs }, 'portal call answered');
      return {
        call: planned.call,
        periodKey: planned.periodKey,
        page: planned.page,
        url,
        requestBody: planned.body,
        status: res.status,
        contentType: res.headers.get('content-type'),
        body: bytes,
        durationMs,
        capturedAt: new Date(),
      };
    } catch (e) {
      const timedOut = signal.aborted;
      log.debug({ url, call: planned.call, timedOut }, 'portal call failed');
      throw new PortalUnavailableError(
        timedOut
          ? `no answer from ${planned.call} within ${config.portalTimeoutMs} ms; the run will be retried later`
          : `the connection failed during ${planned.call} (${describeCause(e)}); the run will be retried later`,
        { url, cause: e },
      );
    }
  }

  return {
    transport: 'direct',
    async openSession(): Promise<PortalSession> {
      const budget = createRequestBudget(config.portalMaxRequestsPerRun);
      let closed = false;
      return {
        get requestCount() {
          return budget.used;
        },
        call(planned: PlannedCall): Promise<RawResponse> {
          if (closed) return Promise.reject(new Error('the portal session is closed; open a new one'));
          const url = base + planned.path;
          return pacer.run(async () => {
            budget.take(url);
            return send(planned, url);
          });
        },
        async close() {
          closed = true;
        },
      };
    },
    async close() {},
  };
}
