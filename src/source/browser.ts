/**
 * The `browser` transport: Playwright drives Chromium, opens the public evaluation page and
 * issues every API call as a same-origin `fetch` inside that page, so the calls carry the
 * browser's own TLS, cookies and headers (DESIGN.md §2). One browser per process, launched
 * lazily and relaunched when it crashed; a fresh context per session, closed in every path.
 */
import { randomUUID } from 'node:crypto';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright';
import type { Config } from '../config.js';
import { PortalBlockedError, PortalFormatError, PortalUnavailableError, toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { classifyPageLoad } from './classify.js';
import { findChromium } from './find-chromium.js';
import {
  createPacer,
  createRequestBudget,
  type Pacer,
  type RequestBudget,
  RequestBudgetError,
} from './politeness.js';
import type { PortalClient, PortalSession, RawResponse } from './portal-types.js';
import { API_PREFIX, EVALUATION_PAGE_PATH, type PlannedCall } from './requests.js';

export type BrowserClientConfig = Pick<
  Config,
  | 'portalBaseUrl'
  | 'portalMinGapMs'
  | 'portalJitterMs'
  | 'portalTimeoutMs'
  | 'portalMaxRequestsPerRun'
  | 'portalHeadless'
  | 'chromiumPath'
>;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
] as const;

/** Extra time the outer guard gives the in-page timeout before it gives up on the page. */
const OUTER_GUARD_MS = 2_000;

/** A {@link PortalClient} that also reports on its browser (tests, the bench, doctor). */
export interface BrowserPortalClient extends PortalClient {
  readonly transport: 'browser';
  /** Browser contexts open right now (0 without a browser): one per open session. */
  openContexts(): number;
  /** Whether a browser is running and connected. */
  isConnected(): boolean;
  /** Chromium's version string, once launched. */
  browserVersion(): string | null;
}

/** What the in-page fetch hands back across the evaluate boundary. */
type PageFetchResult =
  | { ok: true; status: number; contentType: string | null; base64: string; url: string }
  | { ok: false; reason: 'timeout' | 'network'; message: string };

/**
 * Runs inside the page. Kept free of closures over Node values: Playwright serialises it.
 * The AbortController covers the whole exchange, body included.
 */
async function fetchInPage(args: {
  path: string;
  body: string;
  timeoutMs: number;
  tagHeader: string;
  tag: string;
}): Promise<PageFetchResult> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), args.timeoutMs);
  try {
    const res = await fetch(args.path, {
      method: 'POST',
      headers: {
        Accept: 'application/json, text/plain, */*',
        'Content-Type': 'application/json',
        [args.tagHeader]: args.tag,
      },
      body: args.body,
      credentials: 'same-origin',
      cache: 'no-store',
      signal: ctl.signal,
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return {
      ok: true,
      status: res.status,
      contentType: res.headers.get('content-type'),
      base64: btoa(binary),
      url: res.url,
    };
  } catch (e) {
    const err = e as { name?: string; message?: string };
    return {
      ok: false,
      reason: err.name === 'AbortError' ? 'timeout' : 'network',
      message: `${err.name ?? 'Error'}: ${err.message ?? String(e)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

function unavailableFrom(e: unknown, url: string, what: string): Error {
  const err = toError(e);
  if (err instanceof PortalUnavailableError) return err;
  return new PortalUnavailableError(
    `${what} failed (${err.message.split('\n')[0]}); the run will be retried later`,
    {
      url,
      cause: err,
    },
  );
}

/**
 * Create the browser transport. `pacer` defaults to a new one built from the config; pass a
 * shared one when several clients must respect one gap.
 */
export function createBrowserClient(
  config: BrowserClientConfig,
  log: Logger,
  pacer: Pacer = createPacer({ minGapMs: config.portalMinGapMs, jitterMs: config.portalJitterMs }),
): BrowserPortalClient {
  const base = config.portalBaseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  let browser: Browser | null = null;
  let launching: Promise<Browser> | null = null;

  async function getBrowser(): Promise<Browser> {
    if (browser?.isConnected()) return browser;
    if (launching) return launching;
    // Commands resolve the path up front (withChromium); a library caller may leave it empty.
    // A missing executable is a SetupError: no retry can install it.
    const executablePath = findChromium({ configured: config.chromiumPath }).path;
    launching = (async () => {
      const started = performance.now();
      const b = await chromium.launch({
        executablePath,
        headless: config.portalHeadless,
        args: [...CHROMIUM_ARGS],
      });
      b.on('disconnected', () => {
        // A crash or a kill: the next session launches a new browser.
        if (browser !== b) return; // closed on purpose
        browser = null;
        log.warn({ transport: 'browser' }, 'chromium disconnected; the next session starts a new one');
      });
      browser = b;
      log.debug({ version: b.version(), ms: Math.round(performance.now() - started) }, 'chromium launched');
      return b;
    })();
    try {
      return await launching;
    } catch (e) {
      throw new PortalUnavailableError(
        `could not start Chromium at ${executablePath} (${toError(e).message.split('\n')[0]}); ` +
          'check CHROMIUM_PATH and that the chromium package is installed',
        { url: base, cause: e },
      );
    } finally {
      launching = null;
    }
  }

  async function openSession(): Promise<PortalSession> {
    const b = await getBrowser();
    const budget = createRequestBudget(config.portalMaxRequestsPerRun);
    let context: BrowserContext | null = null;
    try {
      context = await b.newContext({ locale: 'vi-VN', serviceWorkers: 'block' });
      const page = await context.newPage();
      const guard = await installRequestGuard(context, origin);
      await blockFavicon(context, page);
      await loadEvaluationPage(page, budget);
      return createSession(context, page, budget, guard);
    } catch (e) {
      await context?.close().catch(() => undefined);
      if (
        e instanceof PortalBlockedError ||
        e instanceof PortalFormatError ||
        e instanceof PortalUnavailableError ||
        e instanceof RequestBudgetError
      )
        throw e;
      // The browser went away between launch and context (or refused a page): retry later.
      throw unavailableFrom(e, base + EVALUATION_PAGE_PATH, 'opening a browser context');
    }
  }

  async function loadEvaluationPage(page: Page, budget: RequestBudget): Promise<void> {
    const url = base + EVALUATION_PAGE_PATH;
    await pacer.run(async () => {
      budget.take(url);
      const started = performance.now();
      let response: Awaited<ReturnType<Page['goto']>>;
      try {
        response = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: config.portalTimeoutMs });
      } catch (e) {
        throw unavailableFrom(e, url, 'loading the evaluation page');
      }
      if (!response)
        throw new PortalFormatError(`the evaluation page ${url} gave no response; open it in a browser`, {
          endpoint: 'evaluation-page',
          field: null,
        });
      let body: Buffer;
      try {
        body = await response.body();
      } catch (e) {
        throw unavailableFrom(e, url, 'reading the evaluation page');
      }
      const error = classifyPageLoad({
        url,
        status: response.status(),
        contentType: response.headers()['content-type'] ?? null,
        body,
      });
      log.debug(
        { url, status: response.status(), ms: Math.round(performance.now() - started) },
        'evaluation page loaded',
      );
      if (error) throw error;
    });
  }

  function createSession(
    context: BrowserContext,
    page: Page,
    budget: RequestBudget,
    guard: RequestGuard,
  ): PortalSession {
    let closed = false;
    let closing: Promise<void> | null = null;
    return {
      get requestCount() {
        return budget.used;
      },
      async call(planned: PlannedCall): Promise<RawResponse> {
        if (closed) throw new Error('the portal session is closed; open a new one');
        const url = base + planned.path;
        return pacer.run(async () => {
          budget.take(url);
          const body = JSON.stringify(planned.body);
          const started = performance.now();
          const tag = guard.expect(planned.path, body);
          let timer: NodeJS.Timeout | undefined;
          let result: PageFetchResult;
          try {
            const inPage = page.evaluate(fetchInPage, {
              path: planned.path,
              body,
              timeoutMs: config.portalTimeoutMs,
              tagHeader: CALL_TAG_HEADER,
              tag,
            });
            inPage.catch(() => undefined);
            const outer = new Promise<never>((_, reject) => {
              timer = setTimeout(
                () =>
                  reject(
                    new PortalUnavailableError(
                      `no answer from ${planned.call} within ${config.portalTimeoutMs} ms (the page stopped ` +
                        'responding); the run will be retried later',
                      { url },
                    ),
                  ),
                config.portalTimeoutMs + OUTER_GUARD_MS,
              );
            });
            result = await Promise.race([inPage, outer]);
          } catch (e) {
            throw unavailableFrom(e, url, `calling ${planned.call}`);
          } finally {
            clearTimeout(timer);
            guard.clear();
          }
          const durationMs = Math.round(performance.now() - started);
          if (!result.ok) {
            log.debug({ url, call: planned.call, reason: result.reason, durationMs }, 'portal call failed');
            throw new PortalUnavailableError(
              result.reason === 'timeout'
                ? `no answer from ${planned.call} within ${config.portalTimeoutMs} ms; the run will be retried later`
                : `the connection failed during ${planned.call} (${result.message}); the run will be retried later`,
              { url },
            );
          }
          log.debug({ url, call: planned.call, status: result.status, durationMs }, 'portal call answered');
          return {
            call: planned.call,
            periodKey: planned.periodKey,
            page: planned.page,
            url,
            requestBody: planned.body,
            status: result.status,
            contentType: result.contentType,
            body: Buffer.from(result.base64, 'base64'),
            durationMs,
            capturedAt: new Date(),
          };
        });
      },
      close(): Promise<void> {
        closed = true;
        // Leave the page first: when the context closes, Chromium lets go the requests
        // that were paused in the guard, so a page script still running then would reach
        // the portal unpaced. Navigating away cancels its scripts and their requests.
        closing ??= page
          .goto('about:blank', { timeout: 5_000 })
          .catch(() => undefined)
          .then(() => context.close())
          .catch((e: unknown) => {
            // A crashed browser has already taken the context with it.
            log.debug({ err: toError(e) }, 'closing a browser context failed');
          });
        return closing;
      },
    };
  }

  return {
    transport: 'browser',
    openSession,
    openContexts: () => (browser?.isConnected() ? browser.contexts().length : 0),
    isConnected: () => browser?.isConnected() ?? false,
    browserVersion: () => (browser?.isConnected() ? browser.version() : null),
    async close(): Promise<void> {
      const b = browser ?? (launching ? await launching.catch(() => null) : null);
      browser = null;
      if (b) await b.close().catch(() => undefined);
    },
  };
}

/**
 * Chromium fetches /favicon.ico on its own after a page load, outside Playwright's routing
 * (Playwright deliberately leaves favicons alone). That would be an unpaced request to the
 * portal that no run needs, so the DevTools protocol blocks it for this page.
 */
async function blockFavicon(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setBlockedURLs', { urls: ['*/favicon.ico'] });
}

/**
 * Header our in-page fetch carries so the guard knows the request is ours. The guard removes
 * it before the request leaves the browser: the portal sees exactly what the page would send.
 */
const CALL_TAG_HEADER = 'x-dvc-index-call';

interface RequestGuard {
  /** Let exactly one API request through: ours, for this path and body; returns its tag. */
  expect(path: string, body: string): string;
  clear(): void;
}

/**
 * Politeness inside the browser: the evaluation page is a single-page app that would fire
 * its own API calls on load. Those are not ours to send, so every API request except the one
 * we are issuing right now is aborted, and heavy assets (images, fonts, media) are not
 * fetched. The page, its scripts and styles load as a person's browser would load them.
 *
 * Ours is told apart by a one-time tag header, not by its path and body: the page's own
 * script sends a call identical to our first one (the national year list), and when it
 * arrived while ours was expected it used to take our pass and ours was aborted
 * ("TypeError: Failed to fetch" — about one run in a hundred under load).
 */
async function installRequestGuard(context: BrowserContext, origin: string): Promise<RequestGuard> {
  let expected: { path: string; body: string; tag: string } | null = null;
  let seq = 0;
  const nonce = randomUUID();
  await context.route(
    (u) => u.origin === origin && u.pathname.startsWith(API_PREFIX.replace(/evaluation\/$/, '')),
    async (route) => {
      const req = route.request();
      const u = new URL(req.url());
      // Decided without waiting on anything, so nothing stays paused longer than needed.
      if (
        expected &&
        req.headers()[CALL_TAG_HEADER] === expected.tag &&
        req.method() === 'POST' &&
        u.pathname === expected.path &&
        req.postData() === expected.body
      ) {
        expected = null;
        const { [CALL_TAG_HEADER]: _ours, ...rest } = await req.allHeaders();
        await route.continue({ headers: rest }).catch(() => undefined);
      } else {
        await route.abort('blockedbyclient').catch(() => undefined);
      }
    },
  );
  await context.route(
    (u) =>
      u.origin === origin && /\.(png|jpe?g|gif|webp|svg|ico|woff2?|ttf|otf|eot|mp4|webm)$/i.test(u.pathname),
    (route) => route.abort('blockedbyclient').catch(() => undefined),
  );
  return {
    expect(path, body) {
      seq += 1;
      const tag = `${nonce}.${seq}`;
      expected = { path, body, tag };
      return tag;
    },
    clear() {
      expected = null;
    },
  };
}
